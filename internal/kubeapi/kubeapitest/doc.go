// Package kubeapitest adapts client-go's clientsets (the fake one in unit
// tests, a real one where a test already has it) to kubeapi.Interface. Only
// tests import it: it links the whole clientset, which the controller's
// binary does not.
package kubeapitest

// Package peers holds the policies users would otherwise run, behind the
// simulator's Policy interface, each written from its documented (or read)
// semantics with an injected clock: fixed keep-alive (AWS/Azure practice,
// faas-idler), OpenFaaS CE alert stepping, the Kubernetes HPA, KEDA, and the
// hybrid histogram policy of Shahrad et al. (USENIX ATC 2020). Knative's KPA
// runs its real decider in the separate module bench/knative.
package peers

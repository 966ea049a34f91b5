package idler

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// newActuator is the one writer of replicas over p, as the controller
// assembly builds it: the idler only proposes.
func newActuator(t testing.TB, p provider.Provider, dryRun bool) *actuator.Actuator {
	t.Helper()
	c := actuator.Default()
	c.Provider, c.DryRun = p, dryRun
	a, err := actuator.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

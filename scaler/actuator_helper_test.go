package scaler

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// newActuator is the one writer of replicas over p, as the controller
// assembly builds it; without Run it applies each proposal at once, in the
// proposer's goroutine, so the loop's tests stay synchronous.
func newActuator(t testing.TB, p provider.Provider, clk clock.Clock, dryRun bool) *actuator.Actuator {
	t.Helper()
	c := actuator.Default()
	c.Provider, c.Clock, c.DryRun = p, clk, dryRun
	a, err := actuator.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

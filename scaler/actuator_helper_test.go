package scaler

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// newActuator is the one writer of replicas over p, as the controller
// assembly builds it; without Run it applies each proposal at once, in the
// proposer's goroutine, so the loop's tests stay synchronous.
func newActuator(t testing.TB, p provider.Provider, clk clock.Clock, dryRun bool) *actuator.Actuator {
	t.Helper()
	return newActuatorOn(t, p, clk, dryRun, nil)
}

// newActuatorOn is newActuator with its metrics (scale_calls_total among
// them: the actuator counts the scaler's calls) registered on reg, as the
// controller assembly registers them beside the loop's.
func newActuatorOn(t testing.TB, p provider.Provider, clk clock.Clock, dryRun bool, reg prometheus.Registerer) *actuator.Actuator {
	t.Helper()
	c := actuator.Default()
	c.Provider, c.Clock, c.DryRun, c.Registerer = p, clk, dryRun, reg
	a, err := actuator.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// heldRegisterer keeps what is registered on it, for a registry chosen
// later (register).
type heldRegisterer struct{ cs []prometheus.Collector }

func (h *heldRegisterer) Register(c prometheus.Collector) error {
	h.cs = append(h.cs, c)
	return nil
}

func (h *heldRegisterer) MustRegister(cs ...prometheus.Collector) { h.cs = append(h.cs, cs...) }

func (h *heldRegisterer) Unregister(prometheus.Collector) bool { return false }

// register registers what h holds on reg.
func (h *heldRegisterer) register(t testing.TB, reg prometheus.Registerer) {
	t.Helper()
	for _, c := range h.cs {
		if err := reg.Register(c); err != nil {
			t.Fatal(err)
		}
	}
}

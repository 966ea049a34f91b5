package scaler

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/faas-autoscaler/faas-autoscaler/internal/exposition"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

var (
	refA = provider.Ref{Name: "a", Namespace: "openfaas-fn"}
	refB = provider.Ref{Name: "b", Namespace: "openfaas-fn"}
	refC = provider.Ref{Name: "c", Namespace: "team"}
)

func function(ref provider.Ref, replicas uint64, labels map[string]string) provider.Function {
	return provider.Function{Ref: ref, Replicas: replicas, AvailableReplicas: replicas, Labels: labels}
}

type loopEnv struct {
	loop *Loop
	prov *testProvider
	src  *scalertest.Source
	reg  *exposition.Registry // as run wires it: the per-function series streamed
}

func newLoopEnv(t *testing.T, edit func(*LoopConfig), fns ...provider.Function) *loopEnv {
	t.Helper()
	e := &loopEnv{prov: newTestProvider(t, fns...), src: scalertest.NewSource(), reg: exposition.NewRegistry()}
	// The actuator's metrics (scale_calls_total: it counts the loop's
	// calls) go on e.reg as the controller assembly registers them, unless
	// edit brings an actuator of its own (registered where it chose).
	held := &heldRegisterer{}
	def := newActuatorOn(t, e.prov, nil, false, held)
	cfg := LoopConfig{Provider: e.prov, Source: e.src, Actuator: def, Defaults: testDefaults(), Registerer: e.reg}
	if edit != nil {
		edit(&cfg)
	}
	if cfg.Actuator == def {
		held.register(t, e.reg)
	}
	l, err := NewLoop(cfg)
	if err != nil {
		t.Fatalf("NewLoop: %v", err)
	}
	e.loop = l
	return e
}

// metric returns the value of the series of name whose labels include want;
// ok is false when there is no such series.
func (e *loopEnv) metric(t *testing.T, name string, want map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue next
				}
			}
			return value(m), true
		}
	}
	return 0, false
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetHistogram() != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return 0
}

func fn(ref provider.Ref) map[string]string { return map[string]string{labelFunction: ref.String()} }

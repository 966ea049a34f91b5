package keepalive

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// landsOne is a provider that runs one replica of a function, as faasd
// does (provider/openfaas faasdCap): a scale above one sets one and
// reports the rest refused, with the one that landed. Not a
// ConditionalScaler, so every write goes through Scale.
type landsOne struct{ p *memory.Provider }

func (l landsOne) Namespaces(ctx context.Context) ([]string, error) { return l.p.Namespaces(ctx) }
func (l landsOne) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	return l.p.Functions(ctx, ns)
}
func (l landsOne) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	return l.p.Function(ctx, ref)
}
func (l landsOne) Scale(ctx context.Context, ref provider.Ref, n uint64) error {
	if n <= 1 {
		return l.p.Scale(ctx, ref, n)
	}
	if err := l.p.Scale(ctx, ref, 1); err != nil {
		return err
	}
	return &provider.RefusedError{Ref: ref, Replicas: n, Landed: 1, HasLanded: true, Message: "runs one replica"}
}

// TestPreWarmThatLandedPartlyIsAPreWarm: a pre-warm of 3 on a provider
// that runs one replica lands 1 and is refused the rest. The function is
// up for its window: the pass counts it pre-warmed (report, metric, the
// share's slot), not failed, and does not pre-warm another function in
// the slot it holds. The metric says it landed in part (result
// "partial"), so an operator sees the provider's cap.
//
// Seen failing: the partial landing was a failure (Failures, result
// "error"), held no slot, and the second due function was pre-warmed on
// top of it: two up with a share of one.
func TestPreWarmThatLandedPartlyIsAPreWarm(t *testing.T) {
	start := time.Now()
	mem := memory.New(clock.Real(), memory.Options{})
	prov := landsOne{mem}
	cfg := Default()
	cfg.PreWarmShare = 0.5 // of two functions: one at once
	pol, _ := New(cfg)
	refs := []provider.Ref{{Name: "a", Namespace: "openfaas-fn"}, {Name: "b", Namespace: "openfaas-fn"}}
	for _, ref := range refs {
		mem.Deploy(provider.Function{Ref: ref, Labels: autoLabels})
		for i := 20; i >= 0; i-- {
			pol.Observe(ref, start.Add(-time.Duration(i)*30*time.Minute))
		}
		pol.Zeroed(ref, 3)
	}
	reg := prometheus.NewRegistry()
	w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := pol.Plan(refs[0], 15*time.Minute, start)
	rep := w.RunOnce(t.Context(), start.Add(plan.PreWarmAt+time.Second))
	if len(rep.Failures) != 0 {
		t.Errorf("failures %v: a pre-warm that put a replica up is not a failure", rep.Failures)
	}
	if len(rep.Scaled) != 1 || rep.Warm != 1 {
		t.Errorf("pre-warmed %+v, %d warm; want one pre-warmed and holding the one slot", rep.Scaled, rep.Warm)
	}
	up := 0
	for _, ref := range refs {
		up += int(min(replicas(t, mem, ref), 1))
	}
	if up != 1 {
		t.Errorf("%d functions up, want 1 (a share of one)", up)
	}
	if part, bad := testutil.ToFloat64(w.scaled.WithLabelValues("partial")), testutil.ToFloat64(w.scaled.WithLabelValues("error")); part != 1 || bad != 0 {
		t.Errorf("prewarms_total partial=%v error=%v, want 1 and 0", part, bad)
	}
}

package keepalive

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
)

// heldActuator holds every Apply until release is closed (a provider slow
// to answer, up to the call timeout), then applies through a.
type heldActuator struct {
	a       Actuator
	release chan struct{}
}

func (h *heldActuator) Apply(ctx context.Context, in actuator.Intent) actuator.Outcome {
	<-h.release
	return h.a.Apply(ctx, in)
}

// TestExplainAnswersWhileAPreWarmIsApplied: the explain API's keepalive
// section takes the pre-warmer's lock; a pass that held it while the
// actuator called the provider made every explain answer wait for every due
// pre-warm of a slow provider. The section answers while Apply is held, and
// the pass, once the provider answers, reports and records the pre-warm as
// before.
//
// A pass still holding the lock fails the TryLock check below (rather than
// leaving the explain goroutine blocked on a mutex, which synctest.Wait
// would wait on for good).
func TestExplainAnswersWhileAPreWarmIsApplied(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov, a, pol := hourlyTimer(autoLabels, start)
		held := &heldActuator{a: newActuator(t, prov), release: make(chan struct{})}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: held})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second) // inside the pre-warm window
		var rep PreWarmReport
		passDone := make(chan struct{})
		go func() {
			defer close(passDone)
			rep = w.RunOnce(context.Background(), time.Now())
		}()
		synctest.Wait() // the pass is in Apply, held

		if !w.mu.TryLock() {
			close(held.release)
			<-passDone
			t.Fatal("the pre-warmer holds its lock while the actuator applies a pre-warm: the explain section waits for the provider")
		}
		w.mu.Unlock()
		var section any
		var found bool
		explained := make(chan struct{})
		go func() {
			defer close(explained)
			section, found = w.Explain(a)
		}()
		synctest.Wait()
		select {
		case <-explained:
		default:
			t.Error("the keepalive section did not answer while a pre-warm was being applied")
		}
		close(held.release)
		<-passDone
		<-explained
		if !found {
			t.Error("no keepalive section for a while its pre-warm was applied")
		} else if e := section.(Explanation); !e.PreWarmedUntil.IsZero() {
			t.Errorf("section shows a pre-warmed until %v before the actuator answered", e.PreWarmedUntil)
		}

		if len(rep.Scaled) != 1 || rep.Scaled[0].Ref != a || rep.AtZero != 1 || rep.Warm != 1 || len(rep.Failures) != 0 {
			t.Fatalf("pass %+v, want a pre-warmed", rep)
		}
		if got := replicas(t, prov, a); got != 1 {
			t.Errorf("%d replicas after the pre-warm, want 1", got)
		}
		v, ok := w.Explain(a)
		if !ok || !v.(Explanation).PreWarmedUntil.Equal(rep.Scaled[0].Until) {
			t.Errorf("section after the pass %+v (ok %v), want pre-warmed until %v", v, ok, rep.Scaled[0].Until)
		}
		if last := w.LastRun(); len(last.Scaled) != 1 || last.Warm != 1 {
			t.Errorf("last run %+v, want the pass's report", last)
		}
	})
}

package keepalive

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// slowListing cancels the pre-warmer's context during its first pass's
// listing and answers 25 s later (a slow provider as the term ends), so
// that two ticks of its 10 s interval have come and one waits.
type slowListing struct {
	Provider
	cancel context.CancelFunc
	mu     sync.Mutex
	lists  int
}

func (s *slowListing) Namespaces(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	s.lists++
	first := s.lists == 1
	s.mu.Unlock()
	if first {
		s.cancel()
		time.Sleep(25 * time.Second)
	}
	return s.Provider.Namespaces(ctx)
}

// TestPreWarmerStopsAtOnceWhenCancelled: a pre-warmer cancelled during a
// pass returns after it, not after one more. Its select, like the
// feeder's, had a waiting tick and the context both ready and picked one
// at random: a pass after the term ended, whose pre-warms an actuator
// whose pool has stopped applies inline (refused only by a provider that
// heeds the cancelled context).
func TestPreWarmerStopsAtOnceWhenCancelled(t *testing.T) {
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			pol, err := New(Default())
			if err != nil {
				t.Fatal(err)
			}
			prov := memory.New(clock.Real(), memory.Options{})
			ctx, cancel := context.WithCancel(t.Context())
			lister := &slowListing{Provider: prov, cancel: cancel}
			w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: lister, Actuator: newActuator(t, prov)})
			if err != nil {
				t.Fatal(err)
			}
			_ = w.Run(ctx)
			if lister.lists != 1 {
				t.Fatalf("%d passes, want 1: the pre-warmer passed again after its context was cancelled", lister.lists)
			}
		})
	}
}

// TestPreWarmCancelledAtTermEndCountsStopped: a pre-warm whose call the
// end of the leadership term cancels is counted result="stopped", as the
// actuator codes the intents a term's end leaves unrun, not "error": the
// actuator itself does not take such a call for the function's failure
// (no back-off), and neither is it one here (no failure reported).
func TestPreWarmCancelledAtTermEndCountsStopped(t *testing.T) {
	for _, pool := range []bool{true, false} {
		t.Run(map[bool]string{true: "pool", false: "inline"}[pool], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				prov := memory.New(clock.Real(), memory.Options{})
				a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
				prov.Deploy(provider.Function{Ref: a, Labels: autoLabels})
				pol, _ := New(Default())
				for i := 20; i >= 0; i-- { // hourly timer
					pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
				}
				act := newActuator(t, prov)
				w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: act})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				close(done)
				var stopped <-chan struct{} = done
				if pool {
					stopped = act.Start(ctx)
				}
				release := prov.Block(a)
				defer release()
				go func() {
					_ = prov.WaitHeld(t.Context(), a, 1)
					cancel() // the term ends during the pre-warm's call
				}()
				time.Sleep(time.Hour - 15*time.Second) // a's window
				rep := w.RunOnce(ctx, time.Now())
				<-stopped
				if n := testutil.ToFloat64(w.scaled.WithLabelValues("error")); n != 0 || len(rep.Failures) != 0 {
					t.Errorf("prewarms_total{error} = %v, failures %v: want neither for a call the term's end cancelled", n, rep.Failures)
				}
				if n := testutil.ToFloat64(w.scaled.WithLabelValues(string(actuator.CodeStopped))); n != 1 {
					t.Errorf("prewarms_total{stopped} = %v, want 1", n)
				}
			})
		})
	}
}

package keepalive

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// afterListing runs then once, right after the pre-warmer's first listing
// has been answered: what happens between a pass's listing and its
// pre-warms.
type afterListing struct {
	*memory.Provider
	once sync.Once
	then func()
}

func (l *afterListing) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	fns, err := l.Provider.Functions(ctx, ns)
	l.once.Do(l.then)
	return fns, err
}

// TestPreWarmerForgetsWhatItProposedForOnceUnlisted: a function deleted
// between a pass's listing and its pre-warm, after the scaler has already
// forgotten it (its pass found it gone first), has the actuator keep a
// slot made by the pre-warm's proposal that nobody else will forget: the
// scaler and the idler forget a function once, as it leaves their
// listing. The pre-warmer forgets, at the pass whose listing no longer
// has it, each function it proposed for. One relabelled out of the
// adaptive keep-alive is still listed, and the scaler's to forget: the
// actuator keeps its last write.
func TestPreWarmerForgetsWhatItProposedForOnceUnlisted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		gone := provider.Ref{Name: "gone", Namespace: "openfaas-fn"}
		relabelled := provider.Ref{Name: "relabelled", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: gone, Labels: autoLabels})
		prov.Deploy(provider.Function{Ref: relabelled, Labels: autoLabels})
		cfg := Default()
		cfg.PreWarmShare = 1 // both at once
		pol, _ := New(cfg)
		for i := 20; i >= 0; i-- { // hourly timers
			pol.Observe(gone, start.Add(-time.Duration(i)*time.Hour))
			pol.Observe(relabelled, start.Add(-time.Duration(i)*time.Hour))
		}
		act := newActuator(t, prov)
		lister := &afterListing{Provider: prov, then: func() {
			if err := prov.Remove(gone); err != nil {
				t.Error(err)
			}
			act.Forget(gone) // the scaler's pass, which found it gone first
		}}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: lister, Actuator: act})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second) // both windows
		rep := w.RunOnce(t.Context(), time.Now())
		if len(rep.Scaled) != 1 || rep.Scaled[0].Ref != relabelled {
			t.Fatalf("pre-warmed %+v, want relabelled only (gone is gone)", rep.Scaled)
		}
		if got := act.History(gone); len(got) != 1 || got[0].Code != actuator.CodeGone {
			t.Fatalf("actuator's history of gone: %+v, want the pre-warm's gone outcome", got)
		}
		if err := prov.SetLabels(relabelled, map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "5m"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		w.RunOnce(t.Context(), time.Now())
		if got := act.History(gone); got != nil {
			t.Errorf("after a pass that no longer lists it, the actuator still keeps gone: %+v", got)
		}
		if _, ok := act.LastWrite(relabelled); !ok {
			t.Errorf("the actuator forgot relabelled's pre-warm: it is still listed (the scaler forgets it when it goes)")
		}
	})
}

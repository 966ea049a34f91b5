package actuator

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview50EveryIntentGetsOneOutcome (passes; kept as a pin): random
// intents from every component over three functions, with failures, slow
// calls and a pool stopped and restarted while intents are submitted: every
// intent gets exactly one outcome, and the pending and in-flight gauges
// return to 0.
func TestReview50EveryIntentGetsOneOutcome(t *testing.T) {
	for seed := range 100 {
		synctest.Test(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			refs := []provider.Ref{refA, refB, {Name: "c", Namespace: "ns"}}
			fns := map[provider.Ref]uint64{}
			for _, r := range refs {
				fns[r] = 1
			}
			r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 + rng.IntN(2) }, fns)
			for _, ref := range refs {
				r.p.SetDelay(ref, time.Duration(rng.IntN(3))*time.Second)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := r.a.Start(ctx)
			var mu sync.Mutex
			counts := map[int]int{}
			n := 0
			comps := []Component{Scaler, Idler, PreWarm, Restore}
			for i := range 40 {
				ref := refs[rng.IntN(len(refs))]
				in := intent(comps[rng.IntN(4)], ref, uint64(rng.IntN(4)), uint64(rng.IntN(4)))
				if rng.IntN(5) == 0 {
					r.p.FailScale(ref, 1, errors.New("boom"))
				}
				id := n
				n++
				r.a.Submit(context.Background(), in, func(o Outcome) {
					mu.Lock()
					counts[id]++
					mu.Unlock()
				})
				if rng.IntN(3) == 0 {
					time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
				}
				if i == 30 && rng.IntN(2) == 0 {
					cancel()
					r.a.Submit(context.Background(), intent(Scaler, refA, 1, 2), nil)
					<-done
					r.a.Submit(context.Background(), intent(Scaler, refB, 1, 2), nil)
					ctx, cancel = context.WithCancel(context.Background())
					done = r.a.Start(ctx)
				}
			}
			time.Sleep(time.Minute)
			cancel()
			<-done
			synctest.Wait()
			mu.Lock()
			defer mu.Unlock()
			for i := range n {
				if counts[i] != 1 {
					t.Errorf("seed %d: intent %d got %d outcomes", seed, i, counts[i])
				}
			}
			if g := testutil.ToFloat64(r.a.m.pending); g != 0 {
				t.Errorf("seed %d: pending %v", seed, g)
			}
			if g := testutil.ToFloat64(r.a.m.inflight); g != 0 {
				t.Errorf("seed %d: inflight %v", seed, g)
			}
		})
	}
}

package actuator

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// A degraded provider answers each scale call in 6 s (under the 10 s call
// timeout: every call succeeds). Two busy functions (as many as the pool
// has workers) get a new count from the scaler at every 5 s pass. A third
// function's raise, proposed once at 1 s, waits in the pool's queue. Each
// worker finishes a call every 6 s, but then finds its busy function's next
// intent (queued during the call) and took it instead of the function that
// had waited longest in the queue (process looped "for s.hasNext"): as long
// as the busy functions kept changing, the third was never scaled. Now a
// function waiting in the queue gets the next free worker (one intent a
// turn), so its raise runs once a call in flight ends, here by ~7 s; 15 s
// is allowed. Found by a review helper.
func TestBusySlowFunctionsDoNotStarveOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refC := provider.Ref{Name: "c", Namespace: "ns"}
		r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 2; c.CallTimeout = 10 * time.Second },
			map[provider.Ref]uint64{refA: 1, refB: 1, refC: 1})
		stop := r.run()
		defer stop()
		busy := []provider.Ref{refA, refC}
		for _, ref := range busy {
			r.p.SetDelay(ref, 6*time.Second)
		}
		start := time.Now()
		var quiet <-chan Outcome
		var ranAt time.Duration
		poll := func() {
			if ranAt != 0 || quiet == nil {
				return
			}
			select {
			case o := <-quiet:
				ranAt = time.Since(start)
				if o.Code != CodeApplied {
					t.Fatalf("b's raise: %s (%s)", o.Code, o.Reason)
				}
			default:
			}
		}
		for pass := 0; pass < 24; pass++ { // two minutes of 5 s scaler passes
			for _, ref := range busy {
				n := r.replicas(ref)
				r.submit(intent(Scaler, ref, n, n+1))
			}
			for s := range 5 {
				time.Sleep(time.Second)
				if pass == 0 && s == 0 {
					quiet = r.submit(intent(Scaler, refB, 1, 4)) // b's load rises once
				}
				poll()
			}
		}
		if ranAt == 0 || ranAt > 15*time.Second {
			t.Errorf("b's raise, proposed at 1s, ran at %v (0: not in the two minutes a and c kept changing); want by 15s", ranAt)
		}
		synctest.Wait()
		time.Sleep(20 * time.Second) // the busy functions' streams have stopped
		poll()
		t.Logf("b's raise ran at %v, replicas %d", ranAt, r.replicas(refB))
	})
}

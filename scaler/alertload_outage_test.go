package scaler

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// An alert's load raised a function, and then the metrics source went down
// (Prometheus killed, its pod rescheduled) before a pass could confirm the
// load. When the alert's evidence window ran out, the function went back to
// its count before the alert — a scale-down while the source answered
// nothing (e2e's TestPrometheusOutage saw 5→1), against "missing data never
// scales anything down". The expiry is for a load the source can read and
// does not confirm; a failed load query holds the count, and the expiry is
// judged once the source answers again.
func TestAlertLoadHeldWhileTheSourceIsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "20"} // rps, 50 × 0.9 = 45 per replica
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 1, labels))
		alert := Signal{Ref: refA, Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps",
			Fingerprint: "fp", StartsAt: time.Now(), Received: time.Now(), Load: ptr(200)}
		e.src.Fail("", errors.New("prometheus: connection refused"))
		_ = e.loop.Tick(t.Context(), time.Now()) // lists the functions; the load fails
		synctest.Wait()
		if err := e.loop.Notify(t.Context(), alert); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 5 {
			t.Fatalf("setup: the alert's load of 200/s gave %d replicas, want 5", got)
		}
		// Ticks while the source stays down, past the evidence window.
		for i := range 6 {
			time.Sleep(30 * time.Second)
			_ = e.loop.Tick(t.Context(), time.Now()) // the failed load is the loop's to log
			synctest.Wait()
			if got := e.prov.replicas(refA); got != 5 {
				t.Fatalf("%s after the alert, the source down: %d replicas, want 5 kept (%s)",
					time.Duration(i+1)*30*time.Second, got, e.loop.lastReason(refA))
			}
		}
		// The source back, with no load for the function: the alert's load
		// is unconfirmed, and the function goes back.
		e.src.Fail("", nil)
		e.src.SetWindow("rps", DefaultStableWindow, refA, 0)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 0)
		_ = e.loop.Tick(t.Context(), time.Now())
		synctest.Wait()
		if got := e.prov.replicas(refA); got >= 5 {
			t.Errorf("the source back, reading 0: %d replicas, want fewer than 5 (%s)", got, e.loop.lastReason(refA))
		}
	})
}

// lastReason is ref's last decision's reason, for failure messages.
func (l *Loop) lastReason(ref provider.Ref) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs, ok := l.fns[ref]
	if !ok || len(fs.history) == 0 {
		return "no decision"
	}
	return strings.TrimSpace(fs.history[len(fs.history)-1].Reason)
}

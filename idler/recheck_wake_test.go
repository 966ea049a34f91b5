package idler

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestRecheckSeesAWake: the re-check before scaling to zero (the second
// activity query, recheck in observe.go) must not idle a function whose
// wake from zero the source shows only by then. "f" was at zero before the
// idler started (another controller's term idled it); the gateway wakes it
// at +25s for a request. The idler's first cycle lists it at +30s, one
// ready replica and no call yet. Its first activity query answers before
// the gateway's next replica poll is scraped (no wake in it), and takes
// 3s; by the re-check, at +33s, the source shows the wake at +25s. The
// idler never listed it at zero, so the source's wake is all it has: the
// re-check must take it as the first query's answer would have been taken.
//
// Seen failing before the fix (and with the re-check's "|| woken" removed):
// recheck_wake_test.go:72: scale calls [f→1 at +25s f→0 at +33s], want [f→1 at +25s]:
// idled 8s after the wake the re-check showed; +30s cycle: idle "never invoked (no
// series) in the last 1m0s"
func TestRecheckSeesAWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		f := ref("f")
		p := newTestProvider(t, memory.Options{}, function("f", 0, start.Add(-time.Hour), optIn(LabelZeroDuration, "1m")))
		src := newFakeSource(start.Add(-24 * time.Hour))
		src.onQuery = func(n int) {
			if n == 1 { // the +30s cycle's first query: slow, and the wake scraped meanwhile
				time.Sleep(3 * time.Second)
				src.mu.Lock()
				src.woken = map[provider.Ref]time.Time{f: start.Add(25 * time.Second)}
				src.mu.Unlock()
			}
		}
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Clock: clock.Real(),
			Schedule: "@every 30s", Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		wg.Go(func() {
			time.Sleep(25 * time.Second)
			if err := p.Scale(ctx, f, 1); err != nil { // the gateway's scale from zero
				t.Error(err)
			}
		})
		time.Sleep(34 * time.Second)
		synctest.Wait()
		x, _ := d.Explain(f)
		at30 := x.(Explanation)
		time.Sleep(30 * time.Second) // past the +1m cycle (+1m3s)
		synctest.Wait()
		cancel()
		wg.Wait()

		calls := callsWords(p, start)
		if want := []string{"f→1 at +25s"}; strings.Join(calls, " ") != strings.Join(want, " ") {
			t.Fatalf("scale calls %v, want %v: idled 8s after the wake the re-check showed; +30s cycle: %s %q", calls, want, at30.Code, at30.Reason)
		}
		if at30.Code != CodeRecentlyScaled || !strings.Contains(at30.Reason, "re-check: woken from zero 5s ago") {
			t.Errorf("+30s cycle: %s %q, want recently_scaled, the re-check naming the wake", at30.Code, at30.Reason)
		}
	})
}

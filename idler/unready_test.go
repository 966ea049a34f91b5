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
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// unreadyIdler runs an idler ("@every 30s": cycles at +30s, +60s, …) over p.
func unreadyIdler(t *testing.T, p *testProvider, src *fakeSource) *Idler {
	t.Helper()
	d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Clock: clock.Real(),
		Schedule: "@every 30s", Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCrashLoopingReplicaIsIdled: "f" is opted in (zero-duration 1m),
// deployed an hour ago and never invoked, and its one replica never becomes
// ready (a crash-looping image: replicas 1, available 0). It holds a node
// and nobody calls it, so it goes to zero like any idle function; only the
// first stretch of unreadiness counts as starting (the keep-alive, at least
// the gateway's wait for a ready replica, UnreadyHold), from the first
// listing that showed it: at +30s, so idled at the +2m30s cycle.
//
// Seen failing before the fix (and with Decide's hold test made always true):
// unready_test.go:66: scale calls [], want f→0 at +2m30s: 0 of 1 ready for 9m30s and
// never idled; last verdict recently_scaled "0 of 1 replicas available: replicas are
// starting, so someone wants them"
func TestCrashLoopingReplicaIsIdled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		f := ref("f")
		p := newTestProvider(t, memory.Options{})
		p.SetColdStart(f, 1000*time.Hour) // never ready
		if err := p.DeployCold(function("f", 1, start.Add(-time.Hour), optIn(LabelZeroDuration, "1m"))); err != nil {
			t.Fatal(err)
		}
		d := unreadyIdler(t, p, newFakeSource(start.Add(-24*time.Hour)))
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(2*time.Minute + 1*time.Second)
		synctest.Wait()
		x, _ := d.Explain(f)
		at120 := x.(Explanation)
		time.Sleep(8 * time.Minute)
		synctest.Wait()
		x, _ = d.Explain(f)
		last := x.(Explanation)
		cancel()
		wg.Wait()

		calls := p.calls()
		if len(calls) != 1 || calls[0].Replicas != 0 {
			t.Fatalf("scale calls %v, want f→0 at +2m30s: 0 of 1 ready for 9m30s and never idled; last verdict %s %q",
				callsWords(p, start), last.Code, last.Reason)
		}
		if got := calls[0].At.Sub(start); got != 150*time.Second {
			t.Errorf("idled at +%s, want +2m30s (unready since the +30s listing, for UnreadyHold)", got)
		}
		if at120.Code != CodeRecentlyScaled || !strings.Contains(at120.Reason, "replicas are starting") {
			t.Errorf("+2m cycle: %s %q, want recently_scaled: not ready for 1m30s may still be starting", at120.Code, at120.Reason)
		}
	})
}

// TestWokenReplicaStillStartingIsNotIdled: the fix above must not idle a
// function merely starting after a wake. "f" (zero-duration 30s, shorter
// than the gateway's wait for a ready replica) is idled at +30s; the
// gateway wakes it at +40s for a request and holds the request until the
// replica is ready, at +2m10s (a 90 s image pull), when it starts. The wake
// guard (30s from the +60s listing) ends before that, but the replica has
// not been unready for UnreadyHold: not idled until a keep-alive after the
// request, at the +3m cycle.
//
// Passes before the fix (the unready guard had no end) and after; fails
// when UnreadyHold is the keep-alive alone:
// unready_test.go:119: scale calls [f→0 at +30s f→1 at +40s f→0 at +1m30s], want
// [f→0 at +30s f→1 at +40s f→0 at +3m0s]: never idled while the woken replica starts
// under a held request
func TestWokenReplicaStillStartingIsNotIdled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		f := ref("f")
		p := newTestProvider(t, memory.Options{}, function("f", 1, start.Add(-time.Hour), optIn(LabelZeroDuration, "30s")))
		src := newFakeSource(start.Add(-24 * time.Hour))
		d := unreadyIdler(t, p, src)
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		wg.Go(func() {
			time.Sleep(40 * time.Second)
			p.SetColdStart(f, 90*time.Second)
			if err := p.Scale(ctx, f, 1); err != nil { // the gateway's scale from zero
				t.Error(err)
			}
			time.Sleep(90 * time.Second)
			src.invoke(f) // the held request starts at +2m10s
		})
		time.Sleep(4*time.Minute + time.Second)
		synctest.Wait()
		cancel()
		wg.Wait()

		calls := callsWords(p, start)
		want := []string{"f→0 at +30s", "f→1 at +40s", "f→0 at +3m0s"}
		if strings.Join(calls, " ") != strings.Join(want, " ") {
			t.Fatalf("scale calls %v, want %v: never idled while the woken replica starts under a held request", calls, want)
		}
	})
}

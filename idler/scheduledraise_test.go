package idler

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestRaiseForAScheduledMinimumIsNoWake: f (opted in, zero-duration 5m,
// never invoked) sits at zero with a scheduled minimum "5 0 * * * for 2m =
// 1". Another writer (the scaler's MinFloorAhead, an operator) raises it for
// the minimum between two idler cycles: the listing that finds it running
// has the minimum active, or starting by the idler's next run; the metrics
// source sees the raise a gateway poll later (Activity.Woken). Nobody's
// requests wait for that replica: when the minimum ends (00:07) nothing
// keeps f, and the first cycle after idles it.
//
// Seen failing: "00:07:20: recently_scaled (woken from zero 2m30s ago,
// keep-alive 5m0s)" (starting by the next run), "woken from zero 2m0s ago"
// (active).
func TestRaiseForAScheduledMinimumIsNoWake(t *testing.T) {
	for _, tc := range []struct {
		name    string
		raiseAt time.Duration // after 00:00
		cycles  []time.Duration
	}{
		// The 00:04:50 listing: the minimum starts by its next run (00:05:20).
		{"starting by the next run", 4*time.Minute + 45*time.Second, []time.Duration{4*time.Minute + 20*time.Second, 4*time.Minute + 50*time.Second}},
		// The 00:05:20 listing: the minimum is active.
		{"active", 5*time.Minute + 5*time.Second, []time.Duration{4*time.Minute + 20*time.Second, 5*time.Minute + 20*time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now() // 2000-01-01 00:00:00 UTC
				old := start.Add(-48 * time.Hour)
				f := ref("f")
				e := newEnv(t, Config{}, function("f", 0, old, optIn(LabelZeroDuration, "5m", MinScheduleLabel, "5 0 * * * for 2m = 1")))
				e.src.last[f] = old
				at := func(d time.Duration) { time.Sleep(time.Until(start.Add(d))) }
				run := func() Verdict { return verdictOf(e.d.RunOnce(t.Context(), time.Now()), f) }
				at(tc.cycles[0])
				run()
				at(tc.raiseAt)
				if err := e.p.Scale(t.Context(), f, 1); err != nil {
					t.Fatal(err)
				}
				e.src.mu.Lock()
				e.src.woken = map[provider.Ref]time.Time{f: time.Now().Add(GatewayReplicaPoll)}
				e.src.mu.Unlock()
				var v Verdict
				for c := tc.cycles[1]; c <= 7*time.Minute+20*time.Second; c += 30 * time.Second {
					at(c)
					v = run()
				}
				if v.Code != CodeIdle || e.p.replicas(f) != 0 {
					t.Errorf("00:07:20, f raised at +%s by another writer for its minimum (over at 00:07), never invoked: %s (%s), replicas %d; want idle (a raise for a scheduled minimum is no wake from zero)",
						tc.raiseAt, v.Code, v.Reason, e.p.replicas(f))
				}
			})
		})
	}
}

// TestWakeAfterAScheduledRaiseIsAWake: a raise for a scheduled minimum
// mutes only the source's report of that raise, not a later wake: f,
// restored by the idler for its minimum and idled when it ended, woken
// from zero by someone else at 00:09, is kept its zero-duration from then,
// as the listing and the source (a gateway poll later) both say.
func TestWakeAfterAScheduledRaiseIsAWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		old := start.Add(-48 * time.Hour)
		f := ref("f")
		e := newEnv(t, Config{}, function("f", 0, old, optIn(LabelZeroDuration, "5m", MinScheduleLabel, "5 0 * * * for 2m = 1")))
		e.src.last[f] = old
		var v Verdict
		for now := time.Now(); now.Before(start.Add(7*time.Minute + 30*time.Second)); now = time.Now() {
			time.Sleep(30 * time.Second)
			v = verdictOf(e.d.RunOnce(t.Context(), time.Now()), f)
		}
		if e.p.replicas(f) != 0 {
			t.Fatalf("control: 00:07:30, f %s (%s), replicas %d; want idled when its minimum ended", v.Code, v.Reason, e.p.replicas(f))
		}
		time.Sleep(time.Until(start.Add(9 * time.Minute)))
		if err := e.p.Scale(t.Context(), f, 1); err != nil {
			t.Fatal(err)
		}
		e.src.mu.Lock()
		e.src.woken = map[provider.Ref]time.Time{f: time.Now().Add(GatewayReplicaPoll)}
		e.src.mu.Unlock()
		time.Sleep(30 * time.Second)
		if v := verdictOf(e.d.RunOnce(t.Context(), time.Now()), f); v.Code != CodeRecentlyScaled || !strings.Contains(v.Reason, "woken from zero") {
			t.Errorf("00:09:30, f woken from zero at 00:09 (no minimum near): %s (%s), want recently_scaled, woken from zero", v.Code, v.Reason)
		}
	})
}

// TestInvocationDuringAScheduledMinimumKeepsItsZeroDuration: f at zero
// (zero-duration 5m) is raised for its scheduled minimum (00:05–00:07) by
// the scaler's floor or the idler's restore ahead, as the controller
// assembly runs them; a call at 00:06, while the minimum holds it up, is
// load like any other: f is kept for 5m after it, past the minimum's end,
// and idled once they have passed.
func TestInvocationDuringAScheduledMinimumKeepsItsZeroDuration(t *testing.T) {
	for _, call := range []bool{true, false} {
		name := map[bool]string{true: "called at 00:06", false: "never called"}[call]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now() // 2000-01-01 00:00:00 UTC in the bubble
				f := ref("f")
				p := newTestProvider(t, memory.Options{},
					function("f", 0, start.Add(-48*time.Hour), optIn(LabelZeroDuration, "5m", MinScheduleLabel, "5 0 * * * for 2m = 1")))
				fs := newFakeSource(start.Add(-24 * time.Hour))
				fs.last[f] = start.Add(-24 * time.Hour)
				src := quietLoadSource{fs}
				act := newActuator(t, p, false)
				d, err := New(Config{Provider: p, Actuator: act, Source: src, Clock: clock.Real(), Schedule: "@every 5s",
					Registerer: prometheus.NewRegistry()})
				if err != nil {
					t.Fatal(err)
				}
				loop, err := scaler.NewLoop(scaler.LoopConfig{Provider: p, Source: src, Actuator: act, Clock: clock.Real(),
					Defaults: scaler.DefaultDefaults(), MinFloor: MinFloorAhead(nil, d.NextRun), MinFloorLabel: MinScheduleLabel,
					Interval: time.Second, Registerer: prometheus.NewRegistry()})
				if err != nil {
					t.Fatal(err)
				}
				d.cfg.RecentScaleUp = loop.LastScaleUp
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				defer func() { cancel(); wg.Wait() }()
				wg.Go(func() { _ = loop.Run(ctx) })
				// The idler's cycles 2 s after the scaler's passes: the
				// scaler's floor (MinFloorAhead) raises f at 00:04:55, as
				// in the controller assembly, before the idler's
				// restore ahead could.
				time.Sleep(2 * time.Second)
				wg.Go(func() { _ = d.Run(ctx) })
				at := func(dd time.Duration) { time.Sleep(time.Until(start.Add(dd))); synctest.Wait() }
				at(5*time.Minute + time.Second)
				if got := p.replicas(f); got != 1 {
					t.Fatalf("control: 00:05:01, f has %d replicas, want 1 (its scheduled minimum); scale calls %s", got, strings.Join(callsWords(p, start), " "))
				}
				if call {
					at(6 * time.Minute)
					fs.invoke(f)
				}
				explain := func() string {
					x, _ := d.Explain(f)
					return fmt.Sprintf("%+v", x)
				}
				at(7*time.Minute + 15*time.Second)
				if got := p.replicas(f); call && got != 1 {
					t.Errorf("00:07:15, f called at 00:06 (zero-duration 5m): %d replicas, want 1 (kept 5m after its call); idler: %s", got, explain())
				} else if !call && got != 0 {
					t.Errorf("00:07:15, f never called, its minimum over at 00:07: %d replicas, want 0; idler: %s; scale calls %s", got, explain(), strings.Join(callsWords(p, start), " "))
				}
				if !call {
					return
				}
				at(10*time.Minute + 50*time.Second)
				if got := p.replicas(f); got != 1 {
					t.Errorf("00:10:50, f called at 00:06: %d replicas, want 1 (its zero-duration not over); idler: %s", got, explain())
				}
				at(11*time.Minute + 15*time.Second)
				if got := p.replicas(f); got != 0 {
					t.Errorf("00:11:15, f last called at 00:06: %d replicas, want 0 (5m since its call); idler: %s", got, explain())
				}
			})
		})
	}
}

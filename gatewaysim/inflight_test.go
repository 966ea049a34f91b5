package gatewaysim

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestInFlightIsRateTimesDuration: a request is in flight for its Duration
// ("each request's service time once a replica takes it"), so by Little's
// law the time-average of gateway_function_invocation_inflight
// (reference/openfaas.md §1, the gauge the Pro capacity rule takes the
// max_over_time of, §5) is rps × Duration, whatever the arrival process. So
// is the CE stand-in, started − total, read at any instant. The 500 ms case
// (a multiple of the 100 ms step) is the control; the 5,000 rps one has more
// arrivals a step than the step has instants (maxInstants), so they are
// grouped.
//
// Seen failing before the fix (a request ended only at the first step on or
// after its end, so it held its slot for Step × ceil(d/Step)): gauge and
// started − total 10.00 for 100 rps of 50 ms (want 5), 4.00 for 20 rps of
// 150 ms (want 3), 5.00 for 50 rps of 20 ms (want 1), 500 for 5,000 rps of
// 50 ms (want 250).
func TestInFlightIsRateTimesDuration(t *testing.T) {
	for _, tc := range []struct {
		d   time.Duration
		rps float64
	}{
		{50 * time.Millisecond, 100}, // SetRPS's, e2e's and `faas-autoscaler gateway`'s 50 ms default
		{150 * time.Millisecond, 20}, // not a multiple of the step
		{20 * time.Millisecond, 50},  // the embedded default's nodeinfo duration
		{500 * time.Millisecond, 20}, // control: a multiple of the step
		{50 * time.Millisecond, 5000},
	} {
		t.Run(fmt.Sprintf("%v@%g", tc.d, tc.rps), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g, _ := newGateway(t, 1, nil, Config{Inflight: true})
				g.SetWorkload(ref, Workload{Load: Constant(tc.rps), Duration: tc.d})
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				wg.Go(func() { _ = g.Run(ctx) })
				time.Sleep(5 * time.Second) // steady state
				// Sample at instants unrelated to the step (every 37 ms for 20 s),
				// as a scrape at any phase would.
				var gauge, derived float64
				const n = 540
				for range n {
					time.Sleep(37 * time.Millisecond)
					synctest.Wait()
					name := ref.String()
					gauge += counter(t, g, "inflight", name)
					derived += counter(t, g, "started", name) - counter(t, g, "total", name, "200")
				}
				cancel()
				wg.Wait()
				want := tc.rps * tc.d.Seconds()
				gotGauge, gotDerived := gauge/n, derived/n
				t.Logf("%g rps × %v: gauge %.2f, started − total %.2f, want %.2f", tc.rps, tc.d, gotGauge, gotDerived, want)
				if gotGauge > want*1.15 || gotGauge < want*0.85 {
					t.Errorf("%g rps of %v calls: time-average of gateway_function_invocation_inflight = %.2f, want ≈ %.2f (rps × duration)",
						tc.rps, tc.d, gotGauge, want)
				}
				if gotDerived > want*1.15 || gotDerived < want*0.85 {
					t.Errorf("%g rps of %v calls: time-average of started − total = %.2f, want ≈ %.2f (rps × duration)",
						tc.rps, tc.d, gotDerived, want)
				}
			})
		})
	}
}

// TestReplicaServesConcurrencyOverDuration: a replica whose watchdog runs
// Concurrency requests at once ("requests beyond available × Concurrency
// get a 429") serves up to Concurrency ÷ Duration requests a second: 5
// slots of 50 ms calls are 100/s. At 80/s evenly spread (the pattern's own
// arrivals) at most 4 calls overlap, so none is refused. Likewise 1,500/s
// on 100 slots (75 in flight, 2,000/s of capacity), where a step's 150
// arrivals are grouped on maxInstants instants.
//
// Seen failing before the fix (each call held its slot until the next
// 100 ms step, so a replica served at most 5 a step, 50/s): 80/s on 5 →
// 200 ×490, 429 ×297 (38% refused); 1,500/s on 100 → 200 ×9800, 429 ×4950
// (34% refused).
func TestReplicaServesConcurrencyOverDuration(t *testing.T) {
	for _, tc := range []struct {
		rps         float64
		concurrency int
	}{
		{80, 5},
		{1500, 100},
	} {
		t.Run(fmt.Sprintf("%g@%d", tc.rps, tc.concurrency), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g, _ := newGateway(t, 1, nil, Config{})
				g.SetWorkload(ref, Workload{Load: Constant(tc.rps), Duration: 50 * time.Millisecond, Concurrency: tc.concurrency})
				run(t, g, 10*time.Second+50*time.Millisecond)
				ok := counter(t, g, "total", ref.String(), "200")
				refused := counter(t, g, "total", ref.String(), "429")
				t.Logf("200 ×%v, 429 ×%v", ok, refused)
				if refused > 0.05*(ok+refused) {
					t.Errorf("%g/s of 50 ms calls on one replica of max_inflight %d (capacity %d/s): "+
						"200 ×%v, 429 ×%v (%.0f%% refused); want (almost) none refused",
						tc.rps, tc.concurrency, tc.concurrency*20, ok, refused, 100*refused/(ok+refused))
				}
			})
		})
	}
}

// TestShorterDurationEndsFirst: a Duration changed while requests run ends
// the new, shorter calls before the old, longer ones, each counted with the
// duration it ran, and the gauge counts both while they run. (It passed
// before the fix too, which scanned every running batch; it guards the
// sorted insert the fix's earliest-first running list needs.)
//
// 10 rps of 1 s calls for 2 s, then 10 rps of 100 ms calls: 1 s later the
// long calls of the last second before the change still run (about 10,
// minus the second since) and about 1 short one.
func TestShorterDurationEndsFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := newGateway(t, 1, nil, Config{Inflight: true})
		name := ref.String()
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: time.Second})
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = g.Run(ctx) })
		time.Sleep(2*time.Second + 50*time.Millisecond)
		synctest.Wait()
		longDone, _ := secondsOf(t, g, name, "200")
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 100 * time.Millisecond})
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		inflight := counter(t, g, "inflight", name)
		done, sum := secondsOf(t, g, name, "200")
		cancel()
		wg.Wait()
		// In the 0.5 s since the change: ~5 long calls ended (those started
		// 1.05–1.55 s) and ~4 short ones; ~5 long and ~1 short still run.
		// The histogram's count and sum tell them apart: n ended calls of
		// s seconds in all are (n − s) / 0.9 short ones.
		n, s := float64(done-longDone), sum-float64(longDone)*1.0
		short := (n - s) / 0.9
		t.Logf("in flight %v; ended since the change: %v, %.2f s in all (%.1f short)", inflight, n, s, short)
		if inflight < 5 || inflight > 7 {
			t.Errorf("in flight 0.5 s after 1 s calls became 100 ms calls = %v, want ≈ 6 (5 long, 1 short)", inflight)
		}
		if short < 3 || short > 5 {
			t.Errorf("100 ms calls ended 0.5 s after the change = %.1f, want ≈ 4", short)
		}
		if got := counter(t, g, "started", name) - counter(t, g, "total", name, "200"); got != inflight {
			t.Errorf("started − total = %v, want the gauge %v", got, inflight)
		}
	})
}

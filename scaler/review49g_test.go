package scaler

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestReview49gAlertLoadNeverScalesDownWithoutTheStableReading: the
// stable reading is missing (the load query failed, or the function's
// series is absent) and a firing alert of the function's type carries a
// load that needs fewer replicas than the function runs: 200/s, 5 replicas
// at 45 each, on a function at 10 (the generated FunctionLoadAboveTarget
// fired against a replicas gauge that still read 2, or keeps firing under
// keep_firing_for after the load fell; or any POST to the webhook, whose
// number decide.go says holds nothing Prometheus does not confirm).
//
// doc.go: "with the stable reading missing, the burst window's only to
// scale up", "Missing data never scales anything down"; decide.go: an
// alert's load is burst evidence, and the count goes "up on the freshest
// evidence ... down only on the stable average" (e5e561b). The alert's
// number stands in for the stable reading instead, and scales the
// function down by the rate limit, 10 → 5. With the source's burst reading
// present, the alert turns the no-data hold that reading gets alone (10)
// into a scale-down to what the burst reading needs (6), worded as an
// ordinary scale-down ("rps 270 (over 10s) … → 6") that names neither the
// missing stable reading nor the alert.
//
// Seen failing before the fix (an alert's load stands in for a missing stable
// reading only to scale up): 10 → 5 (scale_down: "rps 200 (from the alert)
// over target 50×0.90 on 10 ready → 5"), want 10 kept.
func TestReview49gAlertLoadNeverScalesDownWithoutTheStableReading(t *testing.T) {
	spec := specFrom(nil) // 45 a replica, max 20, down window 2m
	for _, tc := range []struct {
		name       string
		loadFailed bool
		burst      *float64
		st         State
	}{
		{name: "load query failed", loadFailed: true},
		{name: "function's stable series missing, the source's burst reading needing 1", burst: ptr(30)},
		// A repeat of the alert (no new evidence: the source's burst
		// reading is there) still stands in for the stable reading, and the
		// source's burst reading, needing 6, then says how far down: without
		// the alert the same readings hold 10 (no data).
		{name: "an alert's repeat beside a burst reading needing 6", burst: ptr(270), st: State{AlertLoadKey: "fp@" + t0.Add(-time.Minute).UTC().Format(time.RFC3339Nano)}},
		{name: "an old recommendation aged out", loadFailed: true,
			st: State{Recommendations: []Recommendation{{At: InstantOf(t0.Add(-10 * time.Minute)), Replicas: 10}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := Observation{Replicas: 10, Available: 10, StableWindow: time.Minute, BurstWindow: 10 * time.Second,
				BurstLoad: tc.burst, LoadFailed: tc.loadFailed,
				Signal: &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Load: ptr(200), Fingerprint: "fp", StartsAt: t0.Add(-time.Minute)}}
			d := Decide(spec, obs, tc.st, t0)
			if d.Replicas < 10 {
				t.Errorf("stable reading missing, a firing alert's load of 200/s (needs 5): %d → %d (%s: %q), want 10 kept (missing data never scales down; an alert's load only scales up)",
					obs.Replicas, d.Replicas, d.Code, d.Reason)
			}
		})
	}
}

// Control: the same alert on a function it needs more for scales it up, so
// the test above does not pass by ignoring the alert.
func TestReview49gAlertLoadStillScalesUpWithoutTheStableReading(t *testing.T) {
	spec := specFrom(nil)
	obs := Observation{Replicas: 2, Available: 2, StableWindow: time.Minute, BurstWindow: 10 * time.Second, LoadFailed: true,
		Signal: &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Load: ptr(400), Fingerprint: "fp", StartsAt: t0}}
	d := Decide(spec, obs, State{}, t0)
	if d.Replicas != 9 || !strings.Contains(d.Reason, "from the alert") {
		t.Errorf("alert load 400 at 2 with the stable reading missing: %d (%s: %q), want 9 on the alert", d.Replicas, d.Code, d.Reason)
	}
}

// TestReview49gBurstHoldWordsAMissingBurstReadingAsMissing: burst mode
// holds (it crossed 20 s ago) and this pass's burst query failed, so the
// burst reading is missing. The reason words it as a reading of 0 over the
// burst window ("burst 0 over 10s needs 0"), a load nothing measured:
// decide.go words a missing reading as missing everywhere else (noLoad,
// wakeFromZero's "no load reading"), and an operator reading the explain
// API concludes the burst is over while the count is held for it.
//
// Seen failing before the fix: "...; burst 0 over 10s needs 0 (burst since
// 11:59:40, no scale-down) → 10".
func TestReview49gBurstHoldWordsAMissingBurstReadingAsMissing(t *testing.T) {
	spec := specFrom(nil)
	st := State{BurstSince: t0.Add(-20 * time.Second), BurstCrossed: t0.Add(-20 * time.Second)}
	obs := Observation{Replicas: 10, Available: 10, StableLoad: ptr(45), StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	d := Decide(spec, obs, st, t0)
	if d.Replicas != 10 || d.Code != CodeBurst {
		t.Fatalf("setup: burst mode holding 10: %d (%s: %q)", d.Replicas, d.Code, d.Reason)
	}
	if strings.Contains(d.Reason, "burst 0 ") || strings.Contains(d.Reason, "needs 0") {
		t.Errorf("burst reading missing, reason words it as a reading of 0: %q", d.Reason)
	}
}

// TestReview49gPrometheusOutageAlertScalesDown is the same through the
// loop: a function at 10, Prometheus unreachable for five minutes (every
// pass no_data: keep 10, the first sight's hold long out of the 2m down
// window), then a notification of FunctionLoadAboveTarget carrying 200/s.
// The loop scales the function to 5 while its load query still fails.
//
// Seen failing before the fix: Prometheus down, an alert's load of 200/s: 5
// replicas, want 10 kept.
func TestReview49gPrometheusOutageAlertScalesDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "20"} // rps, 45 a replica, down window 2m
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 10, labels))
		e.src.Fail("", errors.New("prometheus: connection refused"))
		for range 10 {
			_ = e.loop.Tick(t.Context(), time.Now())
			synctest.Wait()
			time.Sleep(30 * time.Second)
		}
		if got := e.prov.replicas(refA); got != 10 {
			t.Fatalf("setup: the source down: %d replicas, want 10 kept (%s)", got, e.loop.lastReason(refA))
		}
		alert := Signal{Ref: refA, Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps",
			Fingerprint: "fp", StartsAt: time.Now().Add(-time.Minute), Received: time.Now(), Load: ptr(200)}
		if err := e.loop.Notify(t.Context(), alert); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 10 {
			t.Errorf("Prometheus down, an alert's load of 200/s: %d replicas, want 10 kept (missing data never scales down): %s",
				got, e.loop.lastReason(refA))
		}
	})
}

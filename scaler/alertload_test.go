package scaler

import (
	"strings"
	"testing"
	"time"
)

// An alert's load outlives its evidence no more (issue 15, item 6): one
// alert with a huge load, then no data from Prometheus. The function goes
// up on the alert, holds for one evidence window (the stable window), then
// returns to its count before the alert.
//
// Seen failing: without the AlertLoadAt check the third decision is
// "no rps load: keep 10" for ever.
func TestAlertLoadExpires(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 10 })
	sig := &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Load: ptr(1e308)}
	obs := Observation{Replicas: 2, Available: 2, StableWindow: time.Minute, BurstWindow: 10 * time.Second, Signal: sig}
	var st State
	now := t0
	cur := uint64(2)
	for i := 0; cur < spec.Max && i < 10; i++ { // rate-limited steps up on repeated alerts
		obs.Replicas, obs.Available = cur, cur
		d := Decide(spec, obs, st, now)
		cur, st = d.Replicas, d.Next
		now = now.Add(5 * time.Second)
	}
	if cur != spec.Max {
		t.Fatalf("alert load 1e308 took the function to %d, want max %d", cur, spec.Max)
	}
	last := now.Add(-5 * time.Second)
	noData := Observation{Replicas: cur, Available: cur, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	d := Decide(spec, noData, st, last.Add(59*time.Second))
	if d.Replicas != spec.Max || d.Code != CodeNoData {
		t.Fatalf("within the evidence window: %d %s %q, want keep %d", d.Replicas, d.Code, d.Reason, spec.Max)
	}
	d = Decide(spec, noData, d.Next, last.Add(time.Minute))
	if d.Replicas != 2 || !strings.Contains(d.Reason, "expired after 1m0s") {
		t.Fatalf("after the evidence window: %d %s %q, want back to 2", d.Replicas, d.Code, d.Reason)
	}
	if !d.Next.AlertLoadAt.IsZero() {
		t.Error("alert evidence still remembered after it expired")
	}
}

// When Prometheus has data again, a recommendation that rested on an
// alert's load does not hold replicas for the whole down window.
//
// Seen failing: with highest() ignoring Expires, the decision is
// "stabilising" at 10 for the 5 m down window.
func TestAlertRecommendationExpiresInDownWindow(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 10; s.DownWindow = 5 * time.Minute })
	sig := &Signal{Status: Firing, Load: ptr(1e308)}
	d := Decide(spec, Observation{Replicas: 10, Available: 10, StableWindow: time.Minute, Signal: sig}, State{}, t0)
	if d.Replicas != 10 {
		t.Fatalf("alert: %d %q", d.Replicas, d.Reason)
	}
	d = Decide(spec, obsOf(10, ptr(40)), d.Next, t0.Add(2*time.Minute))
	if d.Replicas >= 10 || d.Code == CodeStabilising {
		t.Fatalf("with data and the alert's evidence expired: %d %s %q, want a scale-down", d.Replicas, d.Code, d.Reason)
	}
}

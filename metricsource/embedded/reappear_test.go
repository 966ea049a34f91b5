package embedded

import (
	"context"
	"testing"
	"time"
)

// TestArrivalsAfterAnAbsenceCount: the gateway restarted between two
// successful scrapes, so function a's series were missing from one and
// came back, re-created by their first calls since, counting from 0. Those
// calls all came after the scrape that missed the series: the activity
// counts them (a new incarnation counts from 0), and so must the
// arrivals' part of capacity, the only part a gateway without the
// in-flight gauge has. It read 0 for that interval: "none arrived",
// while a burst did.
func TestArrivalsAfterAnAbsenceCount(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	a := gw{inflight: -1} // an OpenFaaS CE gateway: the arrivals alone
	a.call(10, 0.1)
	src.Observe(t0, a.samples())
	a.call(10, 0.1)
	src.Observe(t0.Add(time.Second), a.samples())
	// Restarted: a is not listed until its first call since.
	src.Observe(t0.Add(2*time.Second), gw{inflight: -1}.samplesOf("b"))
	a = gw{inflight: -1}
	a.call(4, 0.1)
	src.Observe(t0.Add(3*time.Second), append(a.samples(), gw{inflight: -1}.samplesOf("b")...))

	clk.t = t0.Add(3500 * time.Millisecond)
	act, err := src.Activity(context.Background(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := act.Started[fnRef("a")]; got != 4 {
		t.Fatalf("activity: %v started in the last second, want 4", got)
	}
	// 4 arrivals of 0.1 s (the mean over both incarnations) in 1 s.
	if got, ok := capacity(t, clk, src, t0.Add(3500*time.Millisecond), time.Second); !ok || !near(got, 0.4) {
		t.Fatalf("capacity %v (present %v) after the series came back with 4 calls: want 0.4", got, ok)
	}
}

package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// rebaseCapacity is function a's capacity over window at now, through Load
// and through LoadsAligned's pair (window and a shorter one ending at the
// same scrape, the scaler's path), which must agree.
func rebaseCapacity(t *testing.T, clk *fixedClock, src *Source, now time.Time, window time.Duration) (float64, bool) {
	t.Helper()
	v, ok := capacity(t, clk, src, now, window)
	ws := []metricsource.WindowReadings{{Window: window}, {Window: time.Second}}
	src.LoadsAligned(context.Background(), metricsource.TypeCapacity, []provider.Function{{Ref: fnRef("a")}}, ws)
	if ws[0].Err != nil {
		t.Fatalf("LoadsAligned %s: %v", window, ws[0].Err)
	}
	if r := ws[0].R[0]; r.Has != ok || (ok && r.Value != v) {
		t.Errorf("capacity over %s: LoadsAligned %+v, Load %v (present %v); want the same", window, r, v, ok)
	}
	return v, ok
}

// TestCapacityOverARebaseIsMissingOnceTheGaugeIsGone: a function whose
// in-flight gauge left the page long enough ago for its series to be
// dropped reads capacity from the arrivals alone, so a window reaching
// before a rebased page reads missing, as for a function that never had
// the gauge: the store's knowledge that it has the gauge (windowRead.blind)
// follows the series dropped, not only those made.
func TestCapacityOverARebaseIsMissingOnceTheGaugeIsGone(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	g := gw{}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	for i := range 5 {
		src.Observe(at(i), g.samples())
	}
	capacity(t, clk, src, at(4), 3*time.Second) // the gauge is kept 3 s from now on
	g.inflight = -1                             // gone from the page at 5 s
	for i := 5; i < 12; i++ {
		g.call(10, 0.5) // busy: the arrivals read 5 in every step
		src.Observe(at(i), g.samples())
	}
	g.call(10, 0.5)
	src.observe(at(12), g.samples(), procRebased, 0)
	if v, ok := rebaseCapacity(t, clk, src, at(12).Add(500*time.Millisecond), 2*time.Second); ok {
		t.Errorf("capacity over [10.5 s, 12.5 s], the gauge gone since 5 s and a rebased page at 12 s: %v present; want missing (the arrivals up to the rebase are unknown)", v)
	}
	g.call(10, 0.5)
	src.Observe(at(13), g.samples())
	if v, ok := rebaseCapacity(t, clk, src, at(13).Add(500*time.Millisecond), time.Second); !ok || v < 4.9 || v > 5.1 {
		t.Errorf("capacity over the step after the rebase: %v (present %v); want the arrivals' 5", v, ok)
	}
}

// TestCapacityOverARebaseIsMissingWhereTheGaugeReadsZero: a function with
// the in-flight gauge and the duration histogram, its requests short (the
// gauge reads 0 at every scrape) and called only in the interval up to a
// rebased page, whose arrivals are unknown. A window over it has the
// gauge's 0 and the arrivals' unknown: 0 would read a busy function idle
// (a scale-down input); missing is what is known. A gauge above 0 is read
// (TestReview52YGaugeCapacityOverARebasedStepIsKnown), and so is a gauge
// of a function without the histogram, whose capacity is the gauge alone.
func TestCapacityOverARebaseIsMissingWhereTheGaugeReadsZero(t *testing.T) {
	for _, hist := range []bool{true, false} {
		clk, src := newSecondSource(t)
		t0 := clk.t
		g := gw{}
		at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
		samples := func() []Sample {
			s := g.samples()
			if !hist {
				s = append(s[:1], s[3:]...) // no gateway_functions_seconds
			}
			return s
		}
		for i := range 5 {
			src.Observe(at(i), samples())
		}
		g.call(20, 0.1) // between 4 s and the rebased page at 5 s
		src.observe(at(5), samples(), procRebased, 0)
		v, ok := rebaseCapacity(t, clk, src, at(5).Add(500*time.Millisecond), 3*time.Second)
		switch {
		case hist && ok:
			t.Errorf("capacity over [2.5 s, 5.5 s], gauge 0 and the arrivals up to the rebase unknown: %v present; want missing", v)
		case !hist && (!ok || v != 0):
			t.Errorf("capacity of a function without the histogram over the rebase: %v (present %v); want the gauge's 0", v, ok)
		}
		g.call(20, 0.1)
		src.Observe(at(6), samples())
		v, ok = rebaseCapacity(t, clk, src, at(6).Add(500*time.Millisecond), time.Second)
		switch {
		case hist && (!ok || v < 1.9 || v > 2.1):
			t.Errorf("capacity over the step after the rebase (20 calls of 0.1 s): %v (present %v); want 2", v, ok)
		case !hist && (!ok || v != 0):
			t.Errorf("capacity of a function without the histogram after the rebase: %v (present %v); want the gauge's 0", v, ok)
		}
	}
}

package keepalive

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// unscraped is counterSource whose gateway Prometheus cannot scrape
// from down to up (a NetworkPolicy, a relabelling mistake, the gateway's
// /metrics timing out): Prometheus answers, without the series. The
// function is still called meanwhile.
type unscraped struct {
	counterSource
	down, up time.Time
}

func (s *unscraped) StartedTotals(ctx context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	if !at.Before(s.down) && at.Before(s.up) {
		return buf[:0], nil // a successful answer that lacks the series: missing, not zero
	}
	return s.counterSource.StartedTotals(ctx, at, buf)
}

// TestFeederLearnsNoIdleTimeAcrossAMissingCounter: the function is called
// at 1m, 10m, 15m and 40m; its gateway is not scraped from 5m to 25m, so
// every read in between lacks its counter (TotalsDiff keeps the last
// value, up to an hour). When the counter is back at 25m the 10m and 15m
// calls are counted there. Until the fix the feeder then learned an idle
// time from 1m to 25m (about 24m) across 20 minutes in which the
// function's activity was unknown (it had lulls of 9m and 5m), and then
// 15m (25m to 40m) from a last call that was really at 15m: "missing" read
// as "no calls". Now the late count ends no idle time and starts none that
// is learned. Found by a review (helper-116).
//
// Seen failing without ObserveLateCount: "idle times [23m56s 14m56s]".
func TestFeederLearnsNoIdleTimeAcrossAMissingCounter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "fn"}
		t0 := time.Now()
		p := feedUnscraped(t, ref, []time.Time{t0.Add(time.Minute), t0.Add(10 * time.Minute), t0.Add(15 * time.Minute), t0.Add(40 * time.Minute)},
			t0.Add(5*time.Minute), t0.Add(25*time.Minute), 41*time.Minute)
		if got := idleTimes(p, ref); len(got) != 0 {
			t.Errorf("idle times %v; want none: the one before the counter's return spans the 20 minutes it was missing "+
				"from every read, the one after starts at calls placed at the return, not when they were", got)
		}
		if e, ok := p.Explain(ref, time.Minute, time.Now()); !ok || e.LastInvocation.Sub(t0) < 40*time.Minute-15*time.Second {
			t.Errorf("last invocation %v after t0, want the one at 40m (placed in its 15 s step): the late count still places the last call", e.LastInvocation.Sub(t0))
		}
	})
}

// TestLateCountEndsAndStartsNoLearnedIdleTime: a late count is the last
// call for planning, but neither the idle time before it nor the one after
// it is learned; the next call after that is known again and learning
// resumes, whether it is observed exactly or counted.
func TestLateCountEndsAndStartsNoLearnedIdleTime(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "fn"}
	t0 := time.Unix(1_700_000_000, 0)
	for _, exact := range []bool{false, true} {
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		step := 15 * time.Second
		p.ObserveCount(ref, t0, step, 1)
		p.ObserveLateCount(ref, t0.Add(20*time.Minute), step, 3)
		observe := func(at time.Time) {
			if exact {
				p.Observe(ref, at)
			} else {
				p.ObserveCount(ref, at, step, 1)
			}
		}
		observe(t0.Add(30 * time.Minute))
		if got := idleTimes(p, ref); len(got) != 0 {
			t.Errorf("exact %v: idle times %v after a late count and one call; want none", exact, got)
		}
		observe(t0.Add(40 * time.Minute))
		if got := idleTimes(p, ref); len(got) != 1 || got[0] < 9*time.Minute || got[0] > 11*time.Minute {
			t.Errorf("exact %v: idle times %v; want the 10 minutes between the two calls after the late count", exact, got)
		}
	}
}

// TestFeederLearnsNoIdleTimeAcrossAnHourMissing: as
// TestFeederLearnsNoIdleTimeAcrossAMissingCounter, but the gateway goes
// unscraped for 65 minutes (5m to 70m), longer than forgetSeries. The
// function is called three times at 1m-1m10s, then at 80m only. TotalsDiff
// forgets the series after an hour of reads without it, and when it is
// back at 70m counts it as new: its whole value (the 1m calls, counted
// once already) as calls of the 70m step, not late. The feeder then learns
// an idle time of ~69m across 65 minutes of unknown activity, ended by a
// call that was never made. Now the diff keeps a missing series for the
// keep-alive's horizon while the series held do not crowd
// (keepMissingSeries).
//
// Seen failing before the fix (found by a review): idle times [1h8m35s]
// weighing [3]; want none: the function was called three times in
// 1m-1m10s only up to 75m, and its counter was missing from every read
// from 5m to 70m
func TestFeederLearnsNoIdleTimeAcrossAnHourMissing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "fn"}
		t0 := time.Now()
		p := feedUnscraped(t, ref, []time.Time{t0.Add(time.Minute + time.Second), t0.Add(time.Minute + 5*time.Second),
			t0.Add(time.Minute + 9*time.Second), t0.Add(80 * time.Minute)}, t0.Add(5*time.Minute), t0.Add(70*time.Minute), 75*time.Minute)
		if got := idleTimes(p, ref); len(got) != 0 {
			p.mu.Lock()
			ws := p.get(ref).weights()
			p.mu.Unlock()
			t.Errorf("idle times %v weighing %v; want none: the function was called three times in 1m-1m10s only up to 75m, "+
				"and its counter was missing from every read from 5m to 70m", got, ws)
		}
		if e, ok := p.Explain(ref, time.Minute, time.Now()); ok && e.LastInvocation.Sub(t0) > 2*time.Minute {
			t.Errorf("last invocation %v after t0, want the calls at 1m: the counter's value at its return (3) is theirs, counted already",
				e.LastInvocation.Sub(t0))
		}
	})
}

// feedUnscraped runs a feeder at a 15 s step for run over ref's calls on a
// gateway Prometheus cannot scrape from down to up (unscraped), and returns
// the policy it taught.
func feedUnscraped(t *testing.T, ref provider.Ref, calls []time.Time, down, up time.Time, run time.Duration) *Policy {
	t.Helper()
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	src := &unscraped{counterSource: counterSource{ref: ref, calls: calls}, down: down, up: up}
	f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
	ctx, cancel := context.WithTimeout(t.Context(), run)
	defer cancel()
	_ = f.Run(ctx)
	return p
}

package keepalive

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// counterSource answers StartedTotals as Prometheus answers an instant
// query of a gateway's started counter: at a time, the calls made up to
// it (one series), from 0 again after the gateway restarted at restart
// (the same address: the same series). A read at a time in failed fails.
type counterSource struct {
	mu      sync.Mutex
	ref     provider.Ref
	calls   []time.Time
	restart time.Time // zero: never
	failed  func(at time.Time) bool
	asked   []time.Time
}

func (s *counterSource) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("the feeder read a whole Activity from a source with StartedTotals")
}

func (s *counterSource) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, at)
	if s.failed != nil && s.failed(at) {
		return buf[:0], errors.New("prometheus down")
	}
	n := 0
	for _, c := range s.calls {
		if !c.After(at) && (s.restart.IsZero() || at.Before(s.restart) || c.After(s.restart)) {
			n++
		}
	}
	return append(buf[:0], metricsource.Total{Ref: s.ref, Series: 7, N: float64(n)}), nil
}

// idleTimes is what p learned for ref, rounded to the second.
func idleTimes(p *Policy, ref provider.Ref) []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var its []time.Duration
	for _, v := range p.get(ref).idleSeconds() {
		its = append(its, time.Duration(float64(v)*float64(time.Second)).Round(time.Second))
	}
	return its
}

// TestFeederLearnsFromCounterTotals: from a source that reads the counters
// as they stand, the feeder learns a function called every 5 minutes as
// it does from counts over each step, with one read a step, each at the
// end of its step (the first step two: its start too), so that steps join
// exactly.
func TestFeederLearnsFromCounterTotals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "cron", Namespace: "fn"}
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		src := &counterSource{ref: ref}
		for i := range 12 {
			src.calls = append(src.calls, t0.Add(time.Duration(i)*5*time.Minute+30*time.Second))
		}
		f := &Feeder{Policy: p, Source: src, Step: time.Minute}
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Minute+time.Second)
		defer cancel()
		_ = f.Run(ctx)
		if len(src.asked) != 61 {
			t.Fatalf("%d reads in 60 steps, want 61 (the first step's start, then each step's end)", len(src.asked))
		}
		for i, at := range src.asked {
			if want := t0.Add(time.Duration(i) * time.Minute); !at.Equal(want) {
				t.Fatalf("read %d at %s, want %s", i, at.Sub(t0), want.Sub(t0))
			}
		}
		its := idleTimes(p, ref)
		if len(its) != 11 {
			t.Fatalf("learned %d idle times from 12 calls, want 11", len(its))
		}
		for _, it := range its {
			if it != 5*time.Minute {
				t.Errorf("idle time %v, want 5m", it)
			}
		}
	})
}

// TestFeederCountsFromTotalsAcrossFailuresAndRestarts: a function called
// at 0:05, 2:05 and 4:05, read every 15 s. Two ways a call could be lost:
// the read at 2:15 fails (counts over a step lost the 2:05 call with the
// step, and learned nothing after it: the 4:05 call ended an idle time
// begun before the unknown step), and the gateway restarts at 2:01 on
// the same address (its counter, 3 at 2:00, counts 2:05's call as 1:
// less than before, a reset, not a fall). The call at 2:05 is still counted, by the
// next read, so the feeder learns the idle time from it to 4:05 (about
// 2 minutes) and no 4-minute idle time.
func TestFeederCountsFromTotalsAcrossFailuresAndRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		failAt := t0.Add(2*time.Minute + 15*time.Second)
		src := &counterSource{ref: ref, restart: t0.Add(2*time.Minute + time.Second), failed: func(at time.Time) bool { return at.Equal(failAt) },
			calls: []time.Time{t0.Add(3 * time.Second), t0.Add(4 * time.Second), t0.Add(5 * time.Second),
				t0.Add(2*time.Minute + 5*time.Second), t0.Add(4*time.Minute + 5*time.Second)}}
		f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute+time.Second)
		defer cancel()
		_ = f.Run(ctx)

		its := idleTimes(p, ref)
		if len(its) != 1 || its[0] < 105*time.Second || its[0] > 125*time.Second {
			t.Errorf("idle times %v, want one of about 2 minutes (2:05 to 4:05, placed within their steps)", its)
		}
	})
}

// TestFeederRebasesAfterALongGap: reads failing for longer than the
// feeder reads back over (maxCatchUp steps) leave the span unknown; the
// first read after them counts from the counters at its step's start,
// read again, not from the last successful read minutes before.
func TestFeederRebasesAfterALongGap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		down := func(at time.Time) bool { return at.After(t0.Add(time.Minute)) && at.Before(t0.Add(3*time.Minute)) }
		src := &counterSource{ref: provider.Ref{Name: "fn", Namespace: "fn"}, failed: down}
		f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute+16*time.Second)
		defer cancel()
		_ = f.Run(ctx)
		// The read at 2:00 counts from 1:00 (four steps back); from 2:15,
		// when the last successful read is further back, each read first
		// reads its step's start (failing until 3:00), and the one at 3:15
		// counts from 3:00.
		var got []time.Duration
		for _, at := range src.asked {
			if d := at.Sub(t0); d >= 2*time.Minute {
				got = append(got, d)
			}
		}
		want := []time.Duration{2 * time.Minute, 2 * time.Minute, 2*time.Minute + 15*time.Second, 2*time.Minute + 30*time.Second,
			2*time.Minute + 45*time.Second, 3 * time.Minute, 3*time.Minute + 15*time.Second}
		if !slices.Equal(got, want) {
			t.Errorf("reads from 2:00 at %v, want %v (each step's start once the last success is over 1m back)", got, want)
		}
	})
}

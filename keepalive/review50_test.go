package keepalive

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// review50Totals answers StartedTotals with one function's counter as
// scripted at each read time (a time not scripted fails the read).
type review50Totals struct {
	ref    provider.Ref
	values map[time.Time]float64
}

func (s *review50Totals) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("not read: the source has StartedTotals")
}

func (s *review50Totals) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	v, ok := s.values[at]
	if !ok {
		return buf[:0], errors.New("not scripted")
	}
	return append(buf[:0], metricsource.Total{Ref: s.ref, Series: 1, N: v}), nil
}

// review50Idle is ref's idle times in seconds, in arrival order.
func review50Idle(p *Policy, ref provider.Ref) []float32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.fns[ref]
	if h == nil {
		return nil
	}
	out := make([]float32, 0, len(h.e))
	for i := range h.e {
		out = append(out, h.e[(h.next+i)%len(h.e)].it)
	}
	return out
}

// TestReview50CatchUpWindowThenStepCountsABusyStepAsIdle: live learning at
// a 15 s step. One read comes 45 s after the one before (a slow read: the
// ticker dropped two ticks), and reads back over the 45 s (RunOnce's
// catch-up window) — one call in it. The very next read, 15 s later, also
// has one call. The documented rule: "a step right after an active step
// adds no idle time (the gap is under a step)". The second window starts
// exactly where the active one ended, so it must add no idle time.
//
// observeCount decides it with endsIdleTime(last, start, step), where step
// is the CURRENT window (15 s) while last was placed in the previous,
// longer window (45 s, one call: its last slot, 22.5 s before its end).
// start-last = 22.5 s ≥ 15 s, so the busy step is counted as an idle time of
// firstOfStep(60, 15, 1) - 37.5 = 67.5 - 37.5 = 30 s.
func TestReview50CatchUpWindowThenStepCountsABusyStepAsIdle(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "fn"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	src := &review50Totals{ref: ref, values: map[time.Time]float64{
		s(-15): 0, s(0): 0, s(15): 0,
		s(60): 1, // one call in (15 s, 60 s], read late (catch-up window of 45 s)
		s(75): 2, // one call in (60 s, 75 s]: the step right after an active one
	}}
	p := mustPolicy(t)
	f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
	for _, now := range []time.Time{s(0), s(15), s(60), s(75)} {
		f.RunOnce(t.Context(), now)
	}
	if got := review50Idle(p, ref); len(got) != 0 {
		t.Errorf("a step right after an active (catch-up) step learned idle times %v s; want none (the same busy stretch)", got)
	}
}

// TestReview50StepThenCatchUpWindowLosesALull: the mirror case. An active
// 15 s step (one call, placed at 7.5 s), a whole 15 s step read with no
// call, then a read 30 s later (catch-up window (30 s, 60 s]) with one call.
// The window does not follow an active step (a whole read step saw no call
// between), so the call ends an idle time, as it does when the reads come on
// time (a call in (30, 45] or (45, 60] read at 45 or 60: idle time
// 37.5 - 7.5 = 30 s or 52.5 - 7.5 = 45 s). observeCount compares
// start - last = 30 - 7.5 = 22.5 s with the catch-up window (30 s) instead
// of the step last was counted in, calls the lull part of the busy stretch,
// and learns nothing (and adds 37.5 s to the busy time).
func TestReview50StepThenCatchUpWindowLosesALull(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "fn"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	src := &review50Totals{ref: ref, values: map[time.Time]float64{
		s(-15): 0, s(0): 0,
		s(15): 1, // one call in (0, 15]
		s(30): 1, // none in (15, 30]
		s(60): 2, // one call in (30, 60], read late
	}}
	p := mustPolicy(t)
	f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
	for _, now := range []time.Time{s(0), s(15), s(30), s(60)} {
		f.RunOnce(t.Context(), now)
	}
	if got := review50Idle(p, ref); len(got) != 1 {
		t.Errorf("a call after a whole empty read step learned idle times %v s; want one (a lull of at least 15 s ended)", got)
	}
}

// TestReview50ReasonIdleEachIsPerRequestNotPerIdleTime: a function called in
// bursts of 10 requests every 100 s (10 idle times of 100 s, each ended by a
// step of 10 calls). By hand (defaults: worth 15 min, rate 100 calls over
// 1,000 s = 360/h ≥ WorthRate, so the price stays 900 s):
//   - zero now: cold 100 → J = 100;
//   - periodic [70 s, 130 s] / any pre-warm: one replica serves 1 of each
//     burst, cold 10 × 9 = 90 → J ≥ 90;
//   - keep 110 s: cold 0, idle 10 × 100 s = 1,000 s → J = 1,000/900 = 1.11.
//
// So "keep 1m50s", and each idle time keeps the replica idle 100 s. The
// reason said "expect 0% of idle times to end cold, <ExpectedIdle> idle
// each", and ExpectedIdle is the idle time divided by the requests
// (1,000/100 = 10 s), not by the idle times (1,000/10 = 100 s): the sentence
// tells the operator a tenth of the idle time the plan keeps.
func TestReview50ReasonIdleEachIsPerRequestNotPerIdleTime(t *testing.T) {
	its, ws := make([]float64, 10), make([]float64, 10)
	for i := range its {
		its[i], ws[i] = 100, 10
	}
	p := ChooseFor(Learned{Idle: its, Weight: ws}, 15*time.Minute, Default())
	if p.Code != CodeKeepAlive || p.KeepAlive != 110*time.Second {
		t.Fatalf("plan %s keep %s (%s); the hand computation says keep_alive 1m50s", p.Code, p.KeepAlive, p.Reason)
	}
	if got := secs(p.ExpectedIdle); got != 100*time.Second {
		t.Errorf("reason %q: %s idle each; each of the 10 idle times keeps the replica idle 1m40s (1,000 s over 10 idle times)", p.Reason, got)
	}
}

package keepalive

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// slowHistory answers the rebuild's counter query as ranged does, each
// answer taking per (on the bubble's virtual clock), and counts claimed
// series at every instant, so that the parts are sized as for a large
// fleet; start times and the replica history answer nothing, at once. An
// answer takes perStep more for each step it holds: a real Prometheus
// evaluates a range query step by step (at 100,000 functions about half a
// second a step, session 39's footprint run).
type slowHistory struct {
	ranged
	claimed float64
	per     time.Duration
	perStep time.Duration
	// perCount is how long the series count takes an instant; with
	// noneNow, it counts none at the rebuild's now alone (the gateway
	// down as the controller starts).
	perCount time.Duration
	noneNow  bool
	// zeroed answers the replica history (RebuildReplicasQuery), each
	// step taking perReplicaStep.
	zeroed         model.Matrix
	perReplicaStep time.Duration
}

func (h *slowHistory) QueryRange(ctx context.Context, q string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	switch q {
	case RebuildSeriesQuery():
		select {
		case <-time.After(time.Duration(r.End.Sub(r.Start)/r.Step+1) * h.perCount):
		case <-ctx.Done():
			return nil, nil, nil, ctx.Err()
		}
		// claimed at every step: the fleet has been there all along.
		s := &model.SampleStream{Metric: model.Metric{}}
		if h.noneNow && r.Start.Equal(r.End) {
			return model.Matrix{}, nil, nil, nil
		}
		for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
			s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(h.claimed)})
		}
		return model.Matrix{s}, nil, nil, nil
	case RebuildReplicasQuery(r.Step):
		select {
		case <-time.After(time.Duration(r.End.Sub(r.Start)/r.Step+1) * h.perReplicaStep):
		case <-ctx.Done():
			return nil, nil, nil, ctx.Err()
		}
		return pointsWithin(h.zeroed, r), nil, nil, nil
	}
	_, shards, ok := counterShard(q)
	if !ok {
		return model.Matrix{}, nil, nil, nil
	}
	// A shard of n costs Prometheus about an n-th of the whole.
	steps := time.Duration(r.End.Sub(r.Start)/r.Step) + 1
	select {
	case <-time.After((h.per + steps*h.perStep) / time.Duration(shards)):
	case <-ctx.Done():
		return nil, nil, nil, ctx.Err()
	}
	return h.ranged.QueryRange(ctx, q, r, opts...)
}

// counterOver is a started counter of name at one-minute steps from
// minute first to minute last after from, one call more at each of calls.
func counterOver(name string, from time.Time, first, last int, calls ...int) *model.SampleStream {
	s := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(name), "instance": "gw:8080"}}
	v := 1.0
	for m := first; m <= last; m++ {
		for _, c := range calls {
			if c == m {
				v++
			}
		}
		s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(from.Add(time.Duration(m) * time.Minute).UnixNano()), Value: model.SampleValue(v)})
	}
	return s
}

// TestRebuildWithinReadsTheRecentSpanThatFits: a day of a large fleet's
// history in 11 parts, each read taking 4 s, under a 30 s bound. Rebuild
// reads the oldest parts first: cut by the bound after seven, it learned
// a function called in the day's first hours and not one called in its
// last hour, and failed. RebuildWithin times the newest part, reads the
// two newest parts that fit (twice the cost each, one kept for the
// replica history), completes, and learns the last hour's calls.
//
// Seen failing with recentSpan returning the lookback's start unchanged
// (mutation): "RebuildWithin: context deadline exceeded, want the recent
// span read whole".
func TestRebuildWithinReadsTheRecentSpanThatFits(t *testing.T) {
	atPoints(t, 500_000)
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		day := model.Matrix{
			counterOver("early", from, 50, 200, 60, 80, 100, 120, 140),
			counterOver("late", from, 0, 1440, 1400, 1410, 1420, 1430),
		}
		q := &slowHistory{ranged: ranged{series: day}, claimed: 3500, per: 4 * time.Second} // parts of 142 steps: 11 for a day
		early, late := provider.Ref{Name: "early", Namespace: "openfaas-fn"}, provider.Ref{Name: "late", Namespace: "openfaas-fn"}

		p := mustPolicy(t)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		rep, err := p.RebuildWithin(ctx, q, now, 24*time.Hour, time.Minute, "openfaas-fn", time.Now)
		cancel()
		if err != nil {
			t.Fatalf("RebuildWithin: %v, want the recent span read whole", err)
		}
		// The parts end at now, 142 steps each (the oldest 21): the two
		// newest begin 283 minutes before it.
		if want := now.Add(-283 * time.Minute); !rep.From.Equal(want) {
			t.Errorf("read from %s, want %s (the two newest parts)", rep.From, want)
		}
		if _, ok := p.Explain(early, time.Hour, now); ok {
			t.Errorf("the function called only in the day's first hours was learned from a span that does not hold its calls")
		}
		e, ok := p.Explain(late, time.Hour, now)
		if !ok || e.IdleTimes != 3 || now.Sub(e.LastInvocation) > 11*time.Minute {
			t.Errorf("the function called in the last hour: known %v, %d idle times, last call %s before now; want 3 idle times and its call 10m ago",
				ok, e.IdleTimes, now.Sub(e.LastInvocation))
		}

		old := mustPolicy(t)
		ctx, cancel = context.WithTimeout(t.Context(), 30*time.Second)
		_, err = old.Rebuild(ctx, q, now, 24*time.Hour, time.Minute, "openfaas-fn")
		cancel()
		if err == nil {
			t.Fatalf("Rebuild read 11 parts of 4 s each within 30 s: the fake does not take the time it should")
		}
		// Seven parts read in 28 s, the eighth cut: the error says how far
		// it got (the first part is the short one, 21 steps).
		if want := "keepalive: rebuild from Prometheus: part 8 of 11, from " + from.Add((21+6*142)*time.Minute).UTC().Format(time.RFC3339) +
			": context deadline exceeded"; err.Error() != want {
			t.Errorf("Rebuild cut by its bound: %q, want %q", err, want)
		}
		if _, ok := old.Explain(early, time.Hour, now); !ok {
			t.Errorf("Rebuild, oldest first: the early function was not learned before the bound")
		}
		if _, ok := old.Explain(late, time.Hour, now); ok {
			t.Errorf("Rebuild, oldest first: the late function was learned, want it cut off by the bound")
		}
	})
}

// TestRebuildWithinReadsEverythingThatFits: with time for every part, or
// without a deadline, RebuildWithin reads the whole lookback, as Rebuild.
func TestRebuildWithinReadsEverythingThatFits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		day := model.Matrix{counterOver("early", from, 50, 200, 60, 80, 100, 120, 140)}
		for _, bound := range []time.Duration{10 * time.Minute, 0} {
			q := &slowHistory{ranged: ranged{series: day}, claimed: 3500, per: 4 * time.Second}
			p := mustPolicy(t)
			ctx, cancel := context.WithCancel(t.Context())
			if bound > 0 {
				ctx, cancel = context.WithTimeout(t.Context(), bound)
			}
			rep, err := p.RebuildWithin(ctx, q, now, 24*time.Hour, time.Minute, "openfaas-fn", time.Now)
			cancel()
			if err != nil || !rep.From.IsZero() || rep.Functions != 1 {
				t.Errorf("bound %s: report %+v, %v; want the whole lookback read and the early function learned", bound, rep, err)
			}
		}
	})
}

// dayWithin30s is p's RebuildWithin of the day before now, at one-minute
// steps, bounded at keep_alive.rebuild_timeout's default 30 s.
func dayWithin30s(t *testing.T, p *Policy, q RangeQuerier, now time.Time) (RebuildReport, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return p.RebuildWithin(ctx, q, now, 24*time.Hour, time.Minute, "openfaas-fn", time.Now)
}

func mustPolicy(t *testing.T) *Policy {
	t.Helper()
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRebuildWithinSaysWhenNotEvenThePartItTimesFits: a Prometheus slower
// than the whole bound on one part (at 100,000 functions one part is
// 500,000 points) fails the rebuild with that said, not as a failure of
// the lookback's first part, which it never read (session 38's footprint
// run read "part 1 of 289, from" the lookback's start).
func TestRebuildWithinSaysWhenNotEvenThePartItTimesFits(t *testing.T) {
	atPoints(t, 500_000)
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		q := &slowHistory{ranged: ranged{series: model.Matrix{counterOver("late", from, 0, 1440, 1400)}}, claimed: 3500, per: time.Minute}
		_, err := dayWithin30s(t, mustPolicy(t), q, now)
		want := "keepalive: rebuild from Prometheus: not even the newest of 11 parts (from " +
			now.Add(-141*time.Minute).UTC().Format(time.RFC3339) + ") read in time: context deadline exceeded"
		if err == nil || err.Error() != want {
			t.Errorf("RebuildWithin: %v, want %q", err, want)
		}
	})
}

// TestRebuildWithinTimesAWholePart: at 100,000 functions a part is five
// one-minute steps, and a day is 288 of them and one step more. The parts
// were laid from the lookback's start, so the newest was that one step:
// timed, it promised a part at a fifth of its cost, RebuildWithin planned
// 28 parts where 4 fit, and ran out of time (session 39's footprint run
// read "0s" of history: the stub alone). The parts now end at now, the
// newest whole, and the short one is the oldest.
//
// Seen failing before the parts were laid from now: "RebuildWithin:
// keepalive: rebuild from Prometheus: part 12 of 28, from …: context
// deadline exceeded".
func TestRebuildWithinTimesAWholePart(t *testing.T) {
	atPoints(t, 500_000)
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		q := &slowHistory{ranged: ranged{series: model.Matrix{counterOver("late", from, 0, 1440, 1415, 1430, 1435, 1438)}},
			claimed: 100_000, perStep: 500 * time.Millisecond} // parts of 5 steps, 2.5 s each
		p := mustPolicy(t)
		rep, err := dayWithin30s(t, p, q, now)
		if err != nil {
			t.Fatalf("RebuildWithin: %v, want the recent span read whole", err)
		}
		// 2.5 s a part timed, 27.5 s left: 5 s allowed a part, one kept
		// for the replica history: 4 parts of 5 steps, ending now.
		if want := now.Add(-19 * time.Minute); !rep.From.Equal(want) {
			t.Errorf("read from %s, want %s (the four newest whole parts)", rep.From, want)
		}
		late := provider.Ref{Name: "late", Namespace: "openfaas-fn"}
		if e, ok := p.Explain(late, time.Hour, now); !ok || e.IdleTimes != 2 {
			t.Errorf("the function called 10, 5 and 2 minutes ago: known %v, %d idle times; want 2 (the call 25 minutes ago is before the span read)",
				ok, e.IdleTimes)
		}
	})
}

// TestRebuildWithinCountsTheSeriesCheaply: when no series is counted at
// now (the gateway down as the controller starts), the parts are sized by
// the most series counted at instants across the lookback. At every 5
// minutes of a day, at 100,000 functions, that count took a real
// Prometheus 13.7 s of the rebuild's 30 s (289 instants of 300,000 series;
// session 39) before a part was read, and is now cut at a quarter of it. At
// most rebuildCountInstants instants (a day: hourly) it takes a twelfth of
// it, and the rebuild reads four parts.
//
// Seen failing with the count every 5 minutes (rebuildCountInstants
// ignored): "not even the newest of 25 parts … read in time" (the count
// cut, the parts sized for an unknown count).
func TestRebuildWithinCountsTheSeriesCheaply(t *testing.T) {
	atPoints(t, 500_000)
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		q := &slowHistory{ranged: ranged{series: model.Matrix{counterOver("late", from, 0, 1440, 1430)}},
			claimed: 100_000, perStep: 500 * time.Millisecond, perCount: 47 * time.Millisecond, noneNow: true}
		rep, err := dayWithin30s(t, mustPolicy(t), q, now)
		if err != nil {
			t.Fatalf("RebuildWithin: %v", err)
		}
		// 25 instants, 1.2 s; the newest part timed, 2.5 s; 26.3 s left, 5 s
		// a part and one kept: four parts of five steps.
		if want := now.Add(-19 * time.Minute); !rep.From.Equal(want) {
			t.Errorf("read from %s (%s), want %s (four parts)", rep.From, now.Sub(rep.From), want)
		}
	})
}

// TestRebuildWithinReadsTheReplicaHistoryOfTheSpanRead: the counts
// functions were idled from are read from the replica history after the
// parts, in the part's time kept for it. Read over the whole lookback when
// the parts were read over a recent span only, it took a real Prometheus
// about 0.2 s a step at 100,000 functions (session 39: 6.2 s for 31
// steps), minutes for a day: the read always ran out of time, and every
// pre-warm started one replica. Over the span read it fits.
//
// Seen failing with the whole lookback's replica history read: "zeroed 0,
// context deadline exceeded; want 1".
func TestRebuildWithinReadsTheReplicaHistoryOfTheSpanRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		fell := &model.SampleStream{Metric: model.Metric{"function_name": "late"},
			Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(now.Add(-3 * time.Minute).UnixNano()), Value: 3}}}
		q := &slowHistory{ranged: ranged{series: model.Matrix{counterOver("late", from, 0, 1440, 1430)}},
			claimed: 100_000, perStep: 500 * time.Millisecond, zeroed: model.Matrix{fell}, perReplicaStep: 200 * time.Millisecond}
		rep, err := dayWithin30s(t, mustPolicy(t), q, now)
		if err != nil || rep.From.IsZero() {
			t.Fatalf("RebuildWithin: %+v, %v; want a recent span read", rep, err)
		}
		if rep.Zeroed != 1 || rep.ZeroedErr != nil {
			t.Errorf("zeroed %d, %v; want 1: the replica history of the %s read", rep.Zeroed, rep.ZeroedErr, now.Sub(rep.From))
		}
	})
}

// TestRebuildWithinSizesItsPartsByTheSeriesNow: at 100,000 functions with
// a whole day in Prometheus (session 39's bench/history: 15 s scrapes,
// 1.6 billion samples), counting the series at the lookback's 25 hourly
// instants took 64 s, more than the rebuild's 30 s: the count failed, the
// parts were sized for an unknown count (an hour each: 6 million points),
// and not even the newest was read. RebuildWithin now sizes the parts by
// the series counted now, one instant.
//
// Seen failing with the count across the lookback asked first, unbounded:
// "not even the newest of 25 parts … read in time"; and, given a quarter
// of the bound, "read from … (4m0s), want … (two parts)".
func TestRebuildWithinSizesItsPartsByTheSeriesNow(t *testing.T) {
	atPoints(t, 500_000)
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		q := &slowHistory{ranged: ranged{series: model.Matrix{counterOver("late", from, 0, 1440, 1430, 1437, 1439)}},
			claimed: 100_000, perStep: 700 * time.Millisecond, perCount: 2500 * time.Millisecond}
		p := mustPolicy(t)
		rep, err := dayWithin30s(t, p, q, now)
		if err != nil {
			t.Fatalf("RebuildWithin: %v, want the recent span read", err)
		}
		// Counted now, 2.5 s; the newest part timed, 3.5 s; 24 s left, 7 s
		// allowed a part and one kept: two parts of five steps (and the
		// count at their start, 2.5 s).
		if want := now.Add(-9 * time.Minute); !rep.From.Equal(want) {
			t.Errorf("read from %s (%s), want %s (two parts)", rep.From, now.Sub(rep.From), want)
		}
		if e, ok := p.Explain(provider.Ref{Name: "late", Namespace: "openfaas-fn"}, time.Hour, now); !ok || e.IdleTimes != 1 {
			t.Errorf("the function called 3 and 1 minutes ago: known %v, %d idle times; want 1", ok, e.IdleTimes)
		}
	})
}

// TestRebuildWithinTimesOneShard: a part read in shards is timed on its
// first shard, its cost taken for each. Timed whole and then read again,
// the newest part took twice its time, and a restart at 100,000 functions
// under load, where a part takes about half the bound, ran out on the read
// that counted (session 39's footprint run: "context deadline exceeded"
// after 30 s, nothing learned).
//
// Seen failing with the whole part timed: "RebuildWithin: keepalive:
// rebuild from Prometheus: context deadline exceeded".
func TestRebuildWithinTimesOneShard(t *testing.T) {
	atPoints(t, 500_000)
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		q := &slowHistory{ranged: ranged{series: model.Matrix{counterOver("late", from, 0, 1440, 1437, 1439)}},
			claimed: 100_000, perStep: 3 * time.Second, perCount: 100 * time.Millisecond} // a part: 15 s, five shards
		p := mustPolicy(t)
		rep, err := dayWithin30s(t, p, q, now)
		if err != nil {
			t.Fatalf("RebuildWithin: %v, want the newest part read", err)
		}
		if want := now.Add(-4 * time.Minute); !rep.From.Equal(want) {
			t.Errorf("read from %s, want %s (the newest part)", rep.From, want)
		}
		if e, ok := p.Explain(provider.Ref{Name: "late", Namespace: "openfaas-fn"}, time.Hour, now); !ok || e.IdleTimes != 1 {
			t.Errorf("the function called 3 and 1 minutes ago: known %v, %d idle times; want 1", ok, e.IdleTimes)
		}
	})
}

// pointsWithin is m's points in r's range, as Prometheus answers a range
// query: the replica history is read newest first, in spans.
func pointsWithin(m model.Matrix, r v1.Range) model.Matrix {
	out := model.Matrix{}
	for _, s := range m {
		in := &model.SampleStream{Metric: s.Metric}
		for _, v := range s.Values {
			if at := v.Timestamp.Time(); !at.Before(r.Start) && !at.After(r.End) {
				in.Values = append(in.Values, v)
			}
		}
		if len(in.Values) > 0 {
			out = append(out, in)
		}
	}
	return out
}

// atPoints sets rebuildMaxPoints to n for the test, restored when it
// ends. The span-planning tests above pin 500,000 (the bound until session
// 42): their fixtures' part counts and spans are worked out for it, and
// what they test, how a span is planned on a part's timed cost, does not
// depend on the bound's value.
func atPoints(t *testing.T, n int) {
	t.Helper()
	old := rebuildMaxPoints
	rebuildMaxPoints = n
	t.Cleanup(func() { rebuildMaxPoints = old })
}

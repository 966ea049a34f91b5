package keepalive

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// learnedSinceGauge is the policy's learned_since gauge as a scrape reads
// it (ok false: absent).
func learnedSinceGauge(t *testing.T, p *Policy) (time.Time, bool) {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(newPolicyCollector(p))
	v, ok := sample(t, reg, "faas_autoscaler_keepalive_learned_since_timestamp_seconds")
	return time.UnixMilli(int64(v * 1e3)), ok
}

// TestLearnedSinceFollowsTheRebuildAndTheFill: after a restart whose
// rebuild its bound shortened, the explain API and the gauge say the
// history learned reaches back to the span the rebuild read and that a
// fill reads the rest; after the fill, to where the history begins and no
// more filling. Seen failing with FillRebuild not noting its spans (the
// answer stayed at the rebuild's span).
func TestLearnedSinceFollowsTheRebuildAndTheFill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, q, from, _, rep := shortenedDay(t, 1)
		fn := provider.Ref{Name: "every", Namespace: "openfaas-fn"}
		check := func(when string, since time.Time, filling bool) {
			t.Helper()
			e, ok := p.Explain(fn, time.Hour, time.Now())
			if !ok || !e.LearnedSince.Equal(since) || e.FillingOlderHistory != filling {
				t.Errorf("%s: explained learned_since %s, filling %t (%t); want %s, %t", when, e.LearnedSince, e.FillingOlderHistory, ok, since, filling)
			}
			if g, ok := learnedSinceGauge(t, p); !ok || !g.Equal(since) {
				t.Errorf("%s: gauge %s (present %t), want %s", when, g, ok, since)
			}
		}
		check("after the shortened rebuild", rep.From, true)
		fill, err := p.FillRebuild(t.Context(), q, from, rep.From, time.Minute, 30*time.Second, "openfaas-fn", time.Now)
		if err != nil {
			t.Fatal(err)
		}
		// The day's series begin with their first calls, a minute into
		// the lookback: the history learned reaches back to there.
		if want := from.Add(time.Minute); !fill.HistoryFrom.Equal(want) {
			t.Fatalf("fill %+v: want the history found to begin at %s", fill, want)
		}
		check("after the fill", fill.HistoryFrom, false)
	})
}

// TestLearnedSinceAfterAFailedFill: a fill that read no span leaves the
// answer at the rebuild's span, and says no fill runs any more.
func TestLearnedSinceAfterAFailedFill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, q, from, _, rep := shortenedDay(t, 1)
		q.per = time.Minute // slower than the bound on one part
		if _, err := p.FillRebuild(t.Context(), q, from, rep.From, time.Minute, 30*time.Second, "openfaas-fn", time.Now); err == nil {
			t.Fatal("the fill read a span slower than its bound")
		}
		if since, filling := p.LearnedSince(); !since.Equal(rep.From) || filling {
			t.Errorf("after a failed fill: learned since %s, filling %t; want %s, false", since, filling, rep.From)
		}
	})
}

// TestLearnedSinceWithoutARebuild: with nothing rebuilt, the history
// learned reaches back to the feeder's first successful read's window, not
// to a failed read's, and later reads move nothing; before any, the gauge
// is absent (missing, not 1970) and the explanation has none.
func TestLearnedSinceWithoutARebuild(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustPolicy(t)
		fn := provider.Ref{Name: "a", Namespace: "fn"}
		src := &scriptSource{steps: []scriptStep{
			{err: errors.New("prometheus down")},
			{started: metricsource.Values{fn: 1}},
			{started: metricsource.Values{fn: 1}},
		}}
		f, err := NewFeeder(FeederConfig{Policy: p, Source: src, Step: 15 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		f.RunOnce(t.Context(), t0)
		if since, _ := p.LearnedSince(); !since.IsZero() {
			t.Errorf("after a failed read: learned since %s, want nothing", since)
		}
		if g, ok := learnedSinceGauge(t, p); ok {
			t.Errorf("after a failed read: gauge %s, want it absent", g)
		}
		f.RunOnce(t.Context(), t0.Add(15*time.Second))
		f.RunOnce(t.Context(), t0.Add(30*time.Second))
		since, filling := p.LearnedSince()
		if !since.Equal(t0) || filling {
			t.Errorf("learned since %s, filling %t; want the first successful read's window from %s, false", since, filling, t0)
		}
		if e, ok := p.Explain(fn, time.Hour, t0.Add(30*time.Second)); !ok || !e.LearnedSince.Equal(t0) {
			t.Errorf("explained learned_since %s (%t), want %s", e.LearnedSince, ok, t0)
		}
	})
}

// TestNotFillingDuringTheRebuild: while the shortened rebuild still reads
// its span (first calls already kept for the fill), nothing is learned yet
// and no fill runs: the answer is neither. Seen failing with filling read
// from the first calls alone.
func TestNotFillingDuringTheRebuild(t *testing.T) {
	p := mustPolicy(t)
	p.trackFirsts(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) // as rebuild does before its parts
	if since, filling := p.LearnedSince(); !since.IsZero() || filling {
		t.Errorf("during the rebuild: learned since %s, filling %t; want neither", since, filling)
	}
}

// TestNoFillWhereTheHistoryBegins: Prometheus' history of the gateway
// begins two hours before the restart (its storage emptied), and a large
// fleet's rebuild is shortened by its bound to the last 283 minutes: it
// finds the history's start inside that span (RebuildReport.HistoryFrom)
// and learns from there. There is nothing older to fill: the fill that
// followed read the empty spans before it and moved how far back the
// calls learned reach (LearnedSince, the learned_since gauge and explain
// field) to the lookback's start, 22 hours before anything was learned.
// Now such a rebuild keeps no first calls for a fill (Fills is false, so
// controller.Learn starts none, and a fill asked for reads nothing), and
// LearnedSince stays at HistoryFrom, filling nothing. Found by a review.
//
// Seen failing before the fix: learnedsince_test.go:160: after the fill ({From:1999-12-31 00:00:00 +0000 UTC Spans:5 Functions:0 IdleTimes:0 Dropped:0 HistoryFrom:0001-01-01 00:00:00 +0000 UTC}): learned since 1999-12-31 00:00:00 +0000 UTC (22h0m0s before the history's start), want 1999-12-31 22:00:00 +0000 UTC, where Prometheus' history begins
func TestNoFillWhereTheHistoryBegins(t *testing.T) {
	atPoints(t, 500_000)
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Truncate(time.Minute)
		from := now.Add(-24 * time.Hour)
		day := model.Matrix{
			counterOver("a", from, 1320, 1440, 1330, 1380, 1400, 1439),
			counterOver("b", from, 1320, 1440, 1350, 1420),
		}
		q := &slowHistory{ranged: ranged{series: day}, claimed: 3500, per: 4 * time.Second}
		p := mustPolicy(t)
		rep, err := dayWithin30s(t, p, q, now)
		if err != nil || rep.From.IsZero() || rep.HistoryFrom.IsZero() {
			t.Fatalf("RebuildWithin: %+v, %v; want a shortened span in which the history begins", rep, err)
		}
		if since, filling := p.LearnedSince(); !since.Equal(rep.HistoryFrom) || filling || p.Fills() {
			t.Errorf("after the rebuild: learned since %s, filling %t, fills %t; want %s, no fill", since, filling, p.Fills(), rep.HistoryFrom)
		}
		fill, err := p.FillRebuild(t.Context(), q, from, rep.From, time.Minute, 30*time.Second, "openfaas-fn", time.Now)
		if err != nil || fill.Spans != 0 {
			t.Errorf("FillRebuild: %+v, %v; want nothing read", fill, err)
		}
		if since, _ := p.LearnedSince(); !since.Equal(rep.HistoryFrom) {
			t.Errorf("after the fill (%+v): learned since %s (%s before the history's start), want %s, where Prometheus' history begins",
				fill, since, rep.HistoryFrom.Sub(since), rep.HistoryFrom)
		}
	})
}

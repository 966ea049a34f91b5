package controller

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// writesHistory is Prometheus' replica history of the stack's functions:
// a fall to zero (a write to 0) shows at the first step of a read at or
// lag after it, valued at the count it fell from. A step of the replica
// history takes perStep to read (session 39's bench/history: ~28 ms at
// 10,000 functions); every other query is an empty matrix.
//
// Prometheus shows a fall at a step only once the whole step before it is
// at zero (RebuildReplicasQuery): lag RebuildStep is that; 0 shows it at
// once.
type writesHistory struct {
	s       *stack
	fns     []string
	perStep time.Duration
	lag     time.Duration
}

func (h *writesHistory) QueryRange(ctx context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q != keepalive.RebuildReplicasQuery(r.Step) {
		return model.Matrix{}, nil, nil, nil
	}
	if err := readFor(ctx, r, h.perStep); err != nil {
		return nil, nil, nil, err
	}
	m := model.Matrix{}
	for _, name := range h.fns {
		s := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(ref(name).String())}}
		for _, w := range h.s.writes(name) {
			// The first step of the read's grid at or after it, rounded up
			// whatever the sign: a fall a step or more before that first
			// step shows at a step before it, which the read does not ask.
			d := w.At.Add(h.lag).Sub(r.Start)
			k := d / r.Step
			if d > k*r.Step {
				k++
			}
			at := r.Start.Add(k * r.Step)
			if w.To == 0 && w.From > 0 && !at.Before(r.Start) && !at.After(r.End) {
				s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(w.From)})
			}
		}
		if len(s.Values) > 0 {
			m = append(m, s)
		}
	}
	return m, nil, nil, nil
}

// TestALaterTermReadsTheReplicaHistorySinceTheLastTermEnded: the counts
// functions were idled from stay current while this replica's idler leads
// (it tells each one as it idles), so a later term must read the replica
// history after the last term's end only. Read from where the last term's
// refresh had read to (its start), a replica that led for six hours and
// followed for five minutes read six hours of history in the term's 10 s:
// at 10,000 functions (~28 ms a step) it could not, and the count of a
// function idled early in that term, current all along, was dropped (a
// pre-warm would start one replica, not 8).
//
// Seen failing without Act's keepalive.ZeroedCurrent: the second term's
// refresh warned "dropped=1", current to the first term's start.
func TestALaterTermReadsTheReplicaHistorySinceTheLastTermEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false // only the idler and the pre-warmer write
		cfg.Defaults.ZeroDuration = 30 * time.Second
		cfg.KeepAlive.RebuildLookback = 24 * time.Hour
		s := newStack(t, cfg, Wiring{}, fn{name: "cron", replicas: 8,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "auto")})
		base := runStack(t, s)
		hist := &writesHistory{s: s, fns: []string{"cron"}, perStep: 28 * time.Millisecond}
		logs := &teststack.SyncBuffer{}
		var leading atomic.Bool
		ctl, err := New(cfg, Wiring{}, Deps{Provider: s.mem, Source: s.src, Registerer: prometheus.NewRegistry(),
			Leading: leading.Load, History: hist, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		learn, stop := context.WithCancel(base)
		learned := make(chan struct{})
		go func() { _ = ctl.Learn(learn); close(learned) }()
		time.Sleep(time.Minute) // the start's rebuild has ended
		stop()
		<-learned

		// Term 1, six hours: the idler idles cron from 8 early on.
		end1 := startTerm(base, ctl, &leading)
		time.Sleep(6 * time.Hour)
		end1()
		termEnd := time.Now()
		if ws := s.writes("cron"); len(ws) != 1 || ws[0].From != 8 || ws[0].To != 0 {
			t.Fatalf("control: term 1 did not idle cron from 8 once: writes %+v", ws)
		}

		time.Sleep(5 * time.Minute) // following; nothing idled
		before := len(logs.String())
		end2 := startTerm(base, ctl, &leading)
		time.Sleep(time.Minute) // the refresh has read
		end2()

		term2 := logs.String()[before:]
		if strings.Contains(term2, "dropped=") && !strings.Contains(term2, "dropped=0") {
			t.Errorf("term 2's refresh dropped a count (cron's 8, current since its idle in term 1):\n%s", term2)
		}
		if want := "current_to=" + termEnd.Format("2006-01-02T15:04:05.000Z07:00"); !strings.Contains(term2, want) {
			t.Errorf("term 2's refresh: want the counts current to term 1's end (%s):\n%s", want, term2)
		}
	})
}

// failingReplicas is a Prometheus whose replica history cannot be read
// (every other query is an empty matrix).
type failingReplicas struct{}

func (failingReplicas) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q == keepalive.RebuildReplicasQuery(r.Step) {
		return nil, nil, nil, errors.New("query timed out")
	}
	return model.Matrix{}, nil, nil, nil
}

// learnAndLead runs ctl's Learn over hist (learnOver) and one term beside
// it, and returns what they logged (at debug): the term starts once the
// start's rebuild has ended (a minute in; between runs first) or, with
// actFirst, a second before Learn; both run two minutes after the later
// start (the rebuild's 30 s bound, the refresh's and the fill's).
func learnAndLead(t *testing.T, cfg config.Config, hist keepalive.RangeQuerier, actFirst bool, between func()) string {
	t.Helper()
	logs := &teststack.SyncBuffer{}
	ctl, _, _ := learnOver(t, cfg, hist)
	ctl.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	first, second := func() { _ = ctl.Learn(ctx) }, func() { ctl.Act(ctx) }
	wait := time.Minute
	if actFirst {
		first, second, wait = second, first, time.Second
	}
	wg.Go(first)
	time.Sleep(wait)
	if between != nil {
		between()
	}
	wg.Go(second)
	time.Sleep(2 * time.Minute)
	cancel()
	wg.Wait()
	return logs.String()
}

// TestATermWarnsWhenItReadsNoReplicaHistory: a term whose refresh reads
// none of the replica history (every pre-warm then starts one replica)
// says so at WARN with the error, not at INFO as a read that only did not
// reach back over the whole lookback.
//
// Seen failing with the WARN's condition on a zero From (the refresh now
// reports where the counts are complete back to, now when nothing was
// read): the line came at INFO.
func TestATermWarnsWhenItReadsNoReplicaHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = time.Hour
		var line string
		for l := range strings.Lines(learnAndLead(t, cfg, failingReplicas{}, false, nil)) {
			if strings.Contains(l, "idled from were not all read again") || strings.Contains(l, "not over the whole lookback") {
				line = l
			}
		}
		if !strings.Contains(line, "level=WARN") || !strings.Contains(line, "query timed out") {
			t.Errorf("the term's refresh logged %q; want a WARN with the error", line)
		}
	})
}

// fallsAfterOutage is a Prometheus whose replica history could not be read
// at the controller's start (down) and holds one fall, of "old" at oldAt
// from 4 (shown at the first step at or after it); every other query is an
// empty matrix.
type fallsAfterOutage struct {
	down  atomic.Bool
	oldAt time.Time
}

func (h *fallsAfterOutage) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q != keepalive.RebuildReplicasQuery(r.Step) {
		return model.Matrix{}, nil, nil, nil
	}
	if h.down.Load() {
		return nil, nil, nil, errors.New("connection refused")
	}
	m := model.Matrix{}
	for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
		if !at.Before(h.oldAt) && at.Sub(h.oldAt) < r.Step { // the first step at or after the fall
			m = append(m, &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(ref("old").String())},
				Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: 4}}})
		}
	}
	return m, nil, nil, nil
}

// TestATermFillsTheCountsOfFunctionsIdledBeforeTheSpanKnown: the start's
// rebuild could not read the replica history; the first term's refresh
// reads what came after the rebuild, and the term's fill (beside its idler
// and pre-warmer) the history before: old's count, idled 20 hours ago.
//
// Seen failing without Act's fill: no fill logged.
func TestATermFillsTheCountsOfFunctionsIdledBeforeTheSpanKnown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = 24 * time.Hour
		h := &fallsAfterOutage{oldAt: time.Now().Truncate(time.Minute).Add(-20 * time.Hour)}
		h.down.Store(true)
		// The rebuild has ended, its replica history unread, when the term starts.
		out := learnAndLead(t, cfg, h, false, func() { h.down.Store(false) })
		if !strings.Contains(out, "read the older replica history for counts not held") || !strings.Contains(out, "told=1") {
			t.Errorf("want the term's fill to tell old's count:\n%s", out)
		}
	})
}

// readFor waits as long as a read of r's steps takes at perStep a step,
// or until ctx ends (its error).
func readFor(ctx context.Context, r v1.Range, perStep time.Duration) error {
	select {
	case <-time.After(time.Duration(r.End.Sub(r.Start)/r.Step+1) * perStep):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// slowFalls is a Prometheus whose replica history takes perStep a step to
// read and holds one fall, of "old" at oldAt from 4; every other query is
// an empty matrix at once.
type slowFalls struct {
	perStep time.Duration
	fallsAfterOutage
}

func (h *slowFalls) QueryRange(ctx context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q != keepalive.RebuildReplicasQuery(r.Step) {
		return model.Matrix{}, nil, nil, nil
	}
	if err := readFor(ctx, r, h.perStep); err != nil {
		return nil, nil, nil, err
	}
	return h.fallsAfterOutage.QueryRange(ctx, q, r)
}

// TestATermStartedBesideTheRebuildFillsOnceItEnds: the leader at start (a
// single replica's only term) starts beside the start's rebuild, and
// leaves the replica history to it; the rebuild reads it within its bound,
// newest first (here the last ~9 hours). The term fills the older history
// once the rebuild has ended: old's count, idled 14 hours ago. Without it,
// such a term never read it: a pre-warm of old started one replica.
//
// Seen failing without the fill after the rebuild: no fill logged.
func TestATermStartedBesideTheRebuildFillsOnceItEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = 24 * time.Hour
		h := &slowFalls{perStep: 40 * time.Millisecond, fallsAfterOutage: fallsAfterOutage{oldAt: time.Now().Truncate(time.Minute).Add(-14 * time.Hour)}}
		out := learnAndLead(t, cfg, h, true, nil)
		if !strings.Contains(out, "relearned idle times") || strings.Contains(out, "zeroed=1") {
			t.Fatalf("control: want the rebuild to end without old's fall:\n%s", out)
		}
		if !strings.Contains(out, "read the older replica history for counts not held") || !strings.Contains(out, "told=1") {
			t.Errorf("want the term's fill, after the rebuild, to tell old's count:\n%s", out)
		}
	})
}

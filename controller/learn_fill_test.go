package controller

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestLearnFillsTheOlderHistory: of a day read in 11 parts of 4 s, the
// start's rebuild reads only the last hours within
// keep_alive.rebuild_timeout; Learn then reads the hours before them beside
// the feeder, so "early", called only at minutes 100 to 280, is planned on
// its idle times a few minutes after the start instead of never, and the
// fill says so once. The explain API says how far back it learned, and
// that a fill runs, meanwhile.
//
// Seen failing with Learn not starting the fill (mutation): "early: known
// false, 0 idle times 5m after the start".
func TestLearnFillsTheOlderHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = 24 * time.Hour
		start := time.Now()
		logs := &teststack.SyncBuffer{}
		ctl, _, _ := learnLogged(t, cfg, slowParts{from: start.Add(-24 * time.Hour), calls: map[string][]int{"early": {100, 160, 220, 280}, "late": {1400, 1430}}},
			slog.New(slog.NewTextHandler(logs, nil)))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = ctl.Learn(ctx) }()
		time.Sleep(20 * time.Second) // the rebuild has read the last hours (12 s), the fill not yet the first
		if e, ok := ctl.KeepAlive.Explain(ref("early"), cfg.Defaults.ZeroDuration, time.Now()); ok && e.IdleTimes > 0 {
			t.Fatalf("control: early is known 20 s after the start (%d idle times): the rebuild was not shortened\n%s", e.IdleTimes, logs.String())
		}
		// What the explain API says meanwhile: learned back to the span
		// the rebuild read, a fill reading the hours before it.
		lookbackStart := start.Add(-24 * time.Hour)
		if e, ok := ctl.KeepAlive.Explain(ref("late"), cfg.Defaults.ZeroDuration, time.Now()); !ok ||
			!e.LearnedSince.After(lookbackStart.Add(time.Hour)) || !e.FillingOlderHistory {
			t.Errorf("late, 20 s after the start: learned since %s (%v), filling %t; want the rebuild's recent span, filling", e.LearnedSince, ok, e.FillingOlderHistory)
		}
		time.Sleep(5 * time.Minute)
		e, ok := ctl.KeepAlive.Explain(ref("early"), cfg.Defaults.ZeroDuration, time.Now())
		cancel()
		<-done
		if !ok || e.IdleTimes != 3 {
			t.Errorf("early: known %v, %d idle times 5m after the start; want the 3 between its calls in the day's first hours", ok, e.IdleTimes)
		}
		if e.LearnedSince.After(lookbackStart.Add(time.Minute)) || e.FillingOlderHistory {
			t.Errorf("early, after the fill: learned since %s, filling %t; want the lookback's start (%s), done", e.LearnedSince, e.FillingOlderHistory, lookbackStart)
		}
		if n := strings.Count(logs.String(), "relearned the older history too"); n != 1 {
			t.Errorf("the fill logged its end %d times, want once:\n%s", n, logs.String())
		}
	})
}

package controller

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// partsSince is slowParts over a Prometheus whose history begins at since:
// no sample before it (a retention shorter than the lookback, a storage
// emptied).
type partsSince struct {
	slowParts
	since time.Time
}

func (h partsSince) QueryRange(ctx context.Context, q string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	v, w, i, err := h.slowParts.QueryRange(ctx, q, r, opts...)
	m, ok := v.(model.Matrix)
	if err != nil || !ok {
		return v, w, i, err
	}
	var out model.Matrix
	for _, s := range m {
		kept := &model.SampleStream{Metric: s.Metric}
		for _, p := range s.Values {
			if !p.Timestamp.Time().Before(h.since) {
				kept.Values = append(kept.Values, p)
			}
		}
		if len(kept.Values) > 0 {
			out = append(out, kept)
		}
	}
	return out, w, i, nil
}

// TestLearnSaysNothingOlderIsMissingWhereHistoryBegins: a rebuild shortened
// to the recent hours that found Prometheus' history beginning inside them
// read all there is (no fill starts, ef84cbb), yet Learn warned that it
// "relearned only the most recent history … fill_older=false": an operator
// was told a day of history was left unread that does not exist. It says
// where the history begins, and no such warning.
//
// Seen failing before the fix: the warning logged beside "begins inside the
// lookback".
func TestLearnSaysNothingOlderIsMissingWhereHistoryBegins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = 24 * time.Hour
		start := time.Now()
		logs := &teststack.SyncBuffer{}
		hist := partsSince{slowParts{from: start.Add(-24 * time.Hour), calls: map[string][]int{"late": {1400, 1410, 1430}}}, start.Add(-time.Hour)}
		ctl, _, _ := learnLogged(t, cfg, hist, slog.New(slog.NewTextHandler(logs, nil)))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = ctl.Learn(ctx) }()
		time.Sleep(5 * time.Minute)
		cancel()
		<-done
		out := logs.String()
		if !strings.Contains(out, "begins inside the lookback") {
			t.Fatalf("control: the rebuild did not find the history's start inside its span:\n%s", out)
		}
		if strings.Contains(out, "relearned only the most recent history") {
			t.Errorf("warned that only the recent history was relearned, though the history begins inside what was read:\n%s", out)
		}
	})
}

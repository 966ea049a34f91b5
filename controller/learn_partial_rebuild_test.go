package controller

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
)

// firstPartOnly is a Prometheus that answers the first parts of the
// rebuild's counter history (the first hour of the lookback: the series
// count is not known, so parts are rebuildDefaultChunk steps laid back
// from now, and the first hour is the one step at its start and the part
// after it) and is then too slow for every later part: the rebuild's budget
// (keep_alive.rebuild_timeout, 30 s by default) runs out on the second
// part, as it does on a loaded Prometheus with a large fleet.
type firstPartOnly struct {
	from time.Time // the lookback's start
}

func (h *firstPartOnly) QueryRange(ctx context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	switch q {
	case keepalive.RebuildSeriesQuery():
		return nil, nil, nil, errors.New("unavailable")
	case keepalive.RebuildQuery():
		// The first hour by its range, not by the order asked, and the
		// newest part, which the rebuild reads first to time it
		// (keepalive.RebuildWithin): at once, so it finds every part
		// fits and reads from the first.
		if r.End.After(h.from.Add(time.Hour)) && !r.End.Equal(h.from.Add(3*time.Hour)) {
			<-ctx.Done()
			return nil, nil, nil, ctx.Err()
		}
		// 5 calls before the lookback, then calls at minutes 10 and 30.
		var pts []model.SamplePair
		for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
			v := 5.0
			if m := at.Sub(h.from); m >= 30*time.Minute {
				v = 7
			} else if m >= 10*time.Minute {
				v = 6
			}
			pts = append(pts, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(v)})
		}
		return model.Matrix{{Metric: model.Metric{"function_name": "fn.openfaas-fn", "instance": "gw:8080"}, Values: pts}}, nil, nil, nil
	}
	return model.Matrix{}, nil, nil, nil
}

// TestLearnAfterAPartialRebuildLearnsNothingAcrossTheUnreadHistory: the
// rebuild learns the first hour of a 3 h lookback (calls at minutes 10 and
// 30: one idle time of 20 m), then fails on the part after it (its budget
// runs out). The policy keeps what the first part taught, its last call
// 2 h 30 m ago; until the fix nothing said the two unread hours were
// unknown, and the first call after the start ended an idle time of about
// 2 h 32 m measured across history nobody read (the function may have been
// called every minute there). Found by a review (helper-116).
func TestLearnAfterAPartialRebuildLearnsNothingAcrossTheUnreadHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = 3 * time.Hour
		start := time.Now()
		ctl, every, scrape := learnOver(t, cfg, &firstPartOnly{from: start.Add(-3 * time.Hour)})
		var calls float64
		scrape(calls)
		go func() { _ = ctl.Learn(t.Context()) }()
		// Scrapes half an interval off the feeder's ticks, so no read and
		// scrape share an instant.
		for now := start.Add(every / 2); now.Sub(start) <= 4*time.Minute; now = now.Add(every) {
			time.Sleep(time.Until(now))
			if now.Sub(start) == 2*time.Minute+every/2 {
				calls++
			}
			scrape(calls)
		}
		e, ok := ctl.KeepAlive.Explain(ref("fn"), cfg.Defaults.ZeroDuration, time.Now())
		if !ok || e.IdleTimes != 1 {
			t.Errorf("%d idle times after a rebuild that failed after its first hour and one call after the start; "+
				"want 1 (the 20 m the first part taught), not one more measured from the first part's last call across the 2 h nobody read: %+v",
				e.IdleTimes, e)
		}
	})
}

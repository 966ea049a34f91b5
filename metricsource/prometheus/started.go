package prometheus

import (
	"context"
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

var _ metricsource.StartedCounts = (*Source)(nil)

// StartedCounts is Activity's Started alone (metricsource.StartedCounts).
// The keep-alive feeder read it every learn step until it read the
// counters themselves (StartedTotals, totals.go: this query's range
// selections took a loaded Prometheus past its timeout at 100,000
// functions); it stays the metricsource contract the other sources share.
//
// Through Activity it was eight queries (started, in flight, coverage,
// vanished, queued, woken, the counters, the gateways down) and seven
// answers of up to a series a function each, held at once: at 100,000
// called functions a read took 12–13 s of a loaded Prometheus and about
// 20 MB of maps every 15 s, and a read that slow stretches the feeder's
// window to the time since its last read (keepalive/feed.go), until calls
// 30 s apart read as steady traffic and no idle time was learned.
//
// It runs Activity's started query, the same text, read by the same
// reader (non-finite values and series without a usable function_name
// left out, bare and qualified names added up), so its counts are
// Activity's Started entries. Its errors are that query's (unavailable,
// rejected, partial); a failure of Activity's other queries never changed
// what the feeder learned but made the whole step unknown.
func (s *Source) StartedCounts(ctx context.Context, window time.Duration, buf []metricsource.Count) ([]metricsource.Count, error) {
	expr, err := startedQuery(window, s.cfg.CoverageSelector, s.cfg.DefaultNamespace)
	if err != nil {
		return buf[:0], err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartedTimeout) // not Timeout: no pass waits on it (Config)
	defer cancel()
	r := s.newValueReader(expr, false, s.hints.get(expr))
	if err := s.queryEach(ctx, expr, r.add); err != nil {
		return buf[:0], fmt.Errorf("started over %s: %w", window, err)
	}
	out := buf[:0]
	for ref, n := range r.out {
		out = append(out, metricsource.Count{Ref: ref, N: n})
	}
	return out, nil
}

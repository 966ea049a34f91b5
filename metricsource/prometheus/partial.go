package prometheus

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// A successful answer can still lack series, and say so only beside its
// result. Thanos Querier with partial_response answers from the StoreAPIs
// it reached and warns of the others ("receive series from Addr: …",
// "failed to receive any data in 30s from …", "No StoreAPIs matched for
// this query"); Prometheus does the same when a remote-read endpoint fails;
// a VictoriaMetrics cluster with a vmstorage node down sets "isPartial":
// true. A function whose series were on the missing store is absent, which
// the idler reads as "no calls" in a covered window and the scaler as a
// lower load: both act on data they do not have. The same field carries
// PromQL's annotations, notes on how the query met the data it did read
// ("PromQL info: metric might not be a counter …", "PromQL warning: …
// histograms …"; Prometheus 3 moves the info ones to "infos", which is not
// read): those are not about missing data, and some show up on every query
// (the started counter does not end in _total).
//
// The rule: an answer with any warning that is not a PromQL annotation, or
// isPartial true, is not used at all. Which functions it lacks cannot be
// told from it, so none of its functions is known: the query fails with
// metricsource.ErrUnavailable (callers treat every function as missing:
// the idler idles none, the scaler keeps replicas) and ErrPartial. A
// present value would be a lower bound, good for scaling up only; the
// metricsource interfaces have no way to say so, and one down store that
// stops scale-downs and idling is what an operator sees and fixes.

// ErrPartial marks a query whose answer said it may be missing data (wrapped
// with metricsource.ErrUnavailable).
var ErrPartial = errors.New("the answer may be partial")

// partialWhy is why an answer may lack series: a warning that is not a
// PromQL annotation (promql.PartialWarning), or isPartial; "" when nothing
// says so.
func partialWhy(warnings []string, isPartial bool) string {
	if why := promql.PartialWarning(warnings); why != "" || !isPartial {
		return why
	}
	return `the server marked it "isPartial"`
}

// checkComplete is nil for an answer nothing marks as partial (its
// annotations logged at debug), else the query's error, with a warning
// logged (partialLog).
func (s *Source) checkComplete(expr string, warnings []string, isPartial bool) error {
	why := partialWhy(warnings, isPartial)
	if why == "" {
		if len(warnings) > 0 {
			s.log.Debug("PromQL annotations ignored", "query", expr, "warnings", warnings)
		}
		return nil
	}
	s.partial.note(s, expr, why)
	return fmt.Errorf("%w: query %s: %w: %s", metricsource.ErrUnavailable, expr, ErrPartial, why)
}

// partialWarnEvery bounds the WARN lines about partial answers: a store
// down for an hour makes every query of every pass partial.
const partialWarnEvery = time.Minute

// partialLog rate-limits the WARN about partial answers to one a minute,
// each counting the partial answers since the one before.
type partialLog struct {
	mu     sync.Mutex
	warned time.Time // last WARN; zero: none yet
	since  int       // partial answers since it, not logged
}

func (p *partialLog) note(s *Source, expr, why string) {
	now := s.now()
	p.mu.Lock()
	if !p.warned.IsZero() && now.Sub(p.warned) < partialWarnEvery {
		p.since++
		p.mu.Unlock()
		s.log.Debug("partial answer not used", "query", expr, "warning", why)
		return
	}
	n := p.since
	p.warned, p.since = now, 0
	p.mu.Unlock()
	s.log.Warn("Prometheus answered with possibly partial data: not used; the functions' load and activity are unknown, so none is idled or scaled down on it",
		"warning", why, "query", expr, "since_last_warning", n)
}

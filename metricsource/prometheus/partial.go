package prometheus

import (
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
// isPartial true, fails its query with a *metricsource.PartialError (which
// is ErrUnavailable and ErrPartial): which functions it lacks cannot be
// told from it, so for Activity, LastScrape, DownGateways and Load none of
// its functions is known (the idler idles none; the keep-alive rebuild
// reads its own answers and refuses them alike). Only LoadParts, the
// scaler's load read, returns readings with that error, and only those
// that are lower bounds of the load (lowerBounds): the scaler scales up on
// them and holds scale-downs (its lower_bound code), so one Thanos store
// down for hours no longer stops every function scaling up on the
// periodic path. A function absent from the answer stays missing.

// ErrPartial marks a query whose answer said it may be missing data (wrapped
// with metricsource.ErrUnavailable): metricsource.ErrPartial.
var ErrPartial = metricsource.ErrPartial

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
// annotations logged at debug), else the query's *metricsource.PartialError,
// with a warning logged (partialLog).
func (s *Source) checkComplete(expr string, warnings []string, isPartial bool) error {
	why := partialWhy(warnings, isPartial)
	if why == "" {
		if len(warnings) > 0 {
			s.log.Debug("PromQL annotations ignored", "query", expr, "warnings", warnings)
		}
		return nil
	}
	s.partial.note(s, expr, why)
	return &metricsource.PartialError{Query: expr, Why: why}
}

// lowerBounds is what of a partial answer's readings of typ is a lower
// bound of each function's load, by what the type's expression does with a
// series that is missing (queries.go):
//   - rps and cpu sum rates per series (per gateway instance and code, per
//     pod): a missing series only lowers the sum, and the presence check
//     (observedRate) only drops a function. All readings count.
//   - capacity is the larger of the in-flight gauge's peak, a sum over
//     gateway instances (lowered by a missing series), and the arrivals'
//     concurrency, whose mean duration is the ratio of two sums: with the
//     count's series missing and the sum's present it reads higher. So the
//     gauge's part alone counts, for a function whose arrivals won too:
//     the load is the larger part, at least the gauge's. A function
//     without a gauge part (OpenFaaS CE) has none. Parted only: Load's
//     query takes the max in PromQL, and which part won is not known.
//   - queue averages the queue workers' readings of each queue: an
//     average of fewer readings is not below the whole one's. None.
//   - a custom load's expression is the operator's recording rule,
//     unknown here. None.
//
// The parts are all the gauge's (an empty, non-nil Parts) for capacity.
func (r *valueReader) lowerBounds(typ string) (metricsource.Values, metricsource.Parts) {
	switch {
	case typ == metricsource.TypeRPS || typ == metricsource.TypeCPU:
		return r.out, nil
	case typ == metricsource.TypeCapacity && r.split != nil:
		out := make(metricsource.Values, len(r.split))
		for ref, b := range r.split {
			if b.seen[0] {
				out[ref] = b.v[0]
			}
		}
		return out, metricsource.Parts{}
	}
	return nil, nil
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
	s.log.Warn("Prometheus answered with possibly partial data: the functions' activity is unknown, so none is idled; rps, cpu and capacity (in-flight) loads read are lower bounds, so none is scaled down on them; other loads are unknown",
		"warning", why, "query", expr, "since_last_warning", n)
}

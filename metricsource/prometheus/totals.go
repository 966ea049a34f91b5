package prometheus

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

var _ metricsource.StartedTotals = (*Source)(nil)

// startedTotalsQuery reads every function's started counter as it stands,
// once per gateway instance (promql.OncePerGateway: a second scrape job or
// an undeduplicated HA pair collapsed), or, on a gateway without that
// counter, its invocation counter summed over the status codes. It is
// instant selectors and aggregations only: what the keep-alive feeder
// asks every learning step. startedQuery, which answers the same question
// for a window in one read, is about twenty range selections and a dozen
// vector matches over every function's series; at 100,000 functions on two
// cores it took Prometheus over its 30 s timeout almost every step, and
// the keep-alive learned nothing (session 29's footprint run).
//
// The series are kept apart per instance, not summed, so that a gateway
// replica restarting (its counters back to 0) is a reset of its own
// series, which metricsource.TotalsDiff reads as such: in a sum with the
// other replicas' it read as a fall, or as nothing.
func startedTotalsQuery() string { return promql.StartedCounters() }

// StartedTotals reads each function's started counters at at, one Total
// per function and gateway instance (metricsource.StartedTotals). Series
// without a usable function_name and non-finite values are left out
// (missing, not zero). Its errors are its one query's (unavailable,
// rejected, partial: a partial answer is refused whole, since a series it
// lacks would be read as gone).
func (s *Source) StartedTotals(ctx context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	expr := startedTotalsQuery()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	out := buf[:0]
	if hint := s.hints.get(expr); cap(out) < hint {
		// Made at the last answer's size: grown by append from empty, a
		// 100,000-function read allocated about five times its 4.8 MB.
		out = make([]metricsource.Total, 0, hint)
	}
	// The gateway processes' start times first: a series is named with
	// its gateway's (seriesKey), so a gateway restarted in place, its
	// address kept, counts its series as new, whole. Its counters start
	// again at its first call: a function at 1 before the restart and 1
	// after (one call right after it) read no call, and one whose counter
	// came back at or above its old value lost the calls up to it. The
	// start time read is the one the series were named with unless it is
	// a restart's (startEpochs).
	epochs := map[string]float64{}
	err := s.queryEachAt(ctx, startTimesQuery, at, func(smp *sample) {
		if v := smp.value(); !math.IsNaN(v) && !math.IsInf(v, 0) {
			epochs[smp.Metric.Instance] = v
		}
	})
	if err == nil {
		s.epochs.name(epochs)
		err = s.queryEachAt(ctx, expr, at, func(smp *sample) {
			if ref, v, ok := s.usable(expr, smp); ok {
				in := smp.Metric.Instance
				out = append(out, metricsource.Total{Ref: ref, Series: s.seriesKey(smp.fn(), in, epochs[in]), N: v})
			}
		})
	}
	if err != nil {
		// Failed whole, the start times' read too: read without them, every
		// series of a gateway that has one would be renamed, and count whole.
		return buf[:0], fmt.Errorf("started totals at %s: %w", at.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}

// startTimesQuery is each scrape target's process start time, by instance
// (the gateway's among them), the earliest of its copies when two jobs (or
// an undeduplicated HA pair) scrape it. The copies read a restart a scrape
// apart, and between the two the counter (the larger copy,
// promql.OncePerGateway) is still the old process's: named with the newer
// copy's start time, the old count read as a new series, counted whole
// (1,000 calls learned that were never made). The earliest moves only once
// every copy reads the new process, as the counter does; the rebuild reads
// it the same way (keepalive.RebuildStartTimesQuery).
const startTimesQuery = "min by (instance) (" + metricProcessStart + ")"

// seriesKey names a series across reads: its function_name as written
// (a bare and a qualified name are two series of one function), its
// gateway instance, and that instance's process start time (0: unknown, a
// gateway without process metrics). The seed is the source's, so keys
// compare within one process only, which is all TotalsDiff keeps them for.
func (s *Source) seriesKey(fn, instance string, started float64) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	_, _ = h.WriteString(fn)
	_ = h.WriteByte(0)
	_, _ = h.WriteString(instance)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(started))
	_, _ = h.Write(b[:])
	return h.Sum64()
}

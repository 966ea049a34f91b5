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
//
// The fallback is decided per instance and qualified function name, as
// the activity query decides it (promql.StartedCountersMatching):
// defaultNamespace qualifies a bare function_name for it.
func startedTotalsQuery(defaultNamespace string) string {
	return promql.StartedCounters(defaultNamespace)
}

// counterStartTime marks, by the "counter" label, totalsAndStartsQuery's
// start times among its counters.
const counterStartTime = "start_time"

// totalsAndStartsQuery is startedTotalsQuery and startTimesQuery in one
// query (StartedTotals says why one), the start times marked by
// counterStartTime: their label set ({instance, counter}) is never a
// counter's ({function_name, instance}), so `or` keeps both.
func totalsAndStartsQuery(defaultNamespace string) string {
	return "(" + startedTotalsQuery(defaultNamespace) + `) or label_replace(` + startTimesQuery + `, "counter", "` + counterStartTime + `", "", "")`
}

// StartedTotals reads each function's started counters at at, one Total
// per function and gateway instance (metricsource.StartedTotals). Series
// without a usable function_name and non-finite values are left out
// (missing, not zero). Its errors are its one query's (unavailable,
// rejected, partial: a partial answer is refused whole, since a series it
// lacks would be read as gone).
func (s *Source) StartedTotals(ctx context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	expr := totalsAndStartsQuery(s.cfg.DefaultNamespace)
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartedTimeout) // not Timeout: no pass waits on it (Config)
	defer cancel()
	out := buf[:0]
	if hint := s.hints.get(expr); cap(out) < hint {
		// Made at the last answer's size: grown by append from empty, a
		// 100,000-function read allocated about five times its 4.8 MB.
		out = make([]metricsource.Total, 0, hint)
	}
	// The gateway processes' start times come in the same answer: a series
	// is named with its gateway's (nameKey, epochKey), so a gateway restarted in
	// place, its address kept, counts its series as new, whole. Its
	// counters start again at its first call: a function at 1 before the
	// restart and 1 after (one call right after it) read no call, and one
	// whose counter came back at or above its old value lost the calls up
	// to it. The start time read is the one the series were named with
	// unless it is a restart's (startEpochs). One query, so both are read
	// from one snapshot: read in two, a restart's first scrape landing
	// between them paired the old start time with the new counter (a
	// reset, counted) and the next read renamed it (counted whole again).
	// The answer lists both in any order, so a counter is keyed by name and
	// instance first and given its instance's start time at the end.
	epochs := map[string]float64{}
	var instances []string                    // the counters' instances, in the order first seen
	index := map[string]int32{}               // instance → its place in instances
	of := make([]int32, 0, cap(out)-len(out)) // each Total's instance
	err := s.queryEachAt(ctx, expr, at, func(smp *sample) {
		in := smp.Metric.Instance
		if smp.Metric.Counter == counterStartTime {
			if v := smp.value(); !math.IsNaN(v) && !math.IsInf(v, 0) {
				epochs[in] = v
			}
			return
		}
		if ref, v, ok := s.usable(expr, smp); ok {
			i, seen := index[in]
			if !seen {
				i = int32(len(instances))
				index[in], instances = i, append(instances, in)
			}
			out = append(out, metricsource.Total{Ref: ref, Series: s.nameKey(smp.fn(), in), N: v})
			of = append(of, i)
		}
	})
	if err != nil {
		// Failed whole, the start times too: read without them, every
		// series of a gateway that has one would be renamed, and count whole.
		return buf[:0], fmt.Errorf("started totals at %s: %w", at.UTC().Format(time.RFC3339), err)
	}
	seen := s.epochs.name(epochs, index, at)
	started := make([]float64, len(instances))
	lastSeen := make([]int64, len(instances))
	for i, in := range instances {
		started[i] = epochs[in]
		if t, ok := seen[in]; ok {
			lastSeen[i] = t.UnixNano()
		}
	}
	for i := range out {
		out[i].Series = s.epochKey(out[i].Series, started[of[i]])
		// When the gateway was last read: a series new since then is late
		// if it went unscraped between (epochs.go).
		out[i].GatewaySeen = lastSeen[of[i]]
	}
	return out, nil
}

// startTimesQuery is every scrape target's process start time, by
// instance (the gateway's among them: startEpochs keeps the gateways'),
// the earliest of its copies (promql.StartTimes): named with a newer
// copy's start time, a gateway's old count read as a new series between
// the copies' reads of a restart, counted whole (1,000 calls learned that
// were never made).
var startTimesQuery = promql.StartTimes("")

// nameKey and epochKey name a series across reads: its function_name as
// written (a bare and a qualified name are two series of one function), its
// gateway instance, and that instance's process start time (0: unknown, a
// gateway without process metrics); nameKey hashes the first two, epochKey
// adds the start time, known only once the whole answer is read. The seed
// is the source's, so keys compare within one process only, which is all
// TotalsDiff keeps them for.
func (s *Source) nameKey(fn, instance string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	_, _ = h.WriteString(fn)
	_ = h.WriteByte(0)
	_, _ = h.WriteString(instance)
	return h.Sum64()
}

func (s *Source) epochKey(name uint64, started float64) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], name)
	binary.LittleEndian.PutUint64(b[8:], math.Float64bits(started))
	_, _ = h.Write(b[:])
	return h.Sum64()
}

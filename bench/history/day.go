package history

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// day is a synthetic day of a fleet's calls: each function's call times,
// in seconds after from, in order.
type day struct {
	from, to time.Time
	scrape   time.Duration
	calls    [][]int32
}

// The classes of writeDay's functions, by their share of the fleet and the
// range of their mean time between calls: most functions of a FaaS fleet
// are rare, a few carry most calls (Shahrad et al., ATC 2020, figure 5).
var classes = []struct {
	share    float64
	gap, max time.Duration
}{
	{0.50, time.Hour, 8 * time.Hour},          // rare
	{0.35, 2 * time.Minute, 30 * time.Minute}, // medium
	{0.15, 10 * time.Second, time.Minute},     // busy
}

// newDay draws n functions' calls from from to to: each function's class
// by its share, its mean gap log-uniform in the class's range, its calls
// Poisson arrivals at that mean, from seed.
func newDay(n int, from, to time.Time, scrape time.Duration, seed uint64) *day {
	d := &day{from: from, to: to, scrape: scrape, calls: make([][]int32, n)}
	span := to.Sub(from).Seconds()
	for i := range n {
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		u, c := r.Float64(), 0
		for c < len(classes)-1 && u >= classes[c].share {
			u -= classes[c].share
			c++
		}
		lo, hi := math.Log(classes[c].gap.Seconds()), math.Log(classes[c].max.Seconds())
		mean := math.Exp(lo + r.Float64()*(hi-lo))
		for t := r.ExpFloat64() * mean; t < span; t += r.ExpFloat64() * mean {
			d.calls[i] = append(d.calls[i], int32(t))
		}
	}
	return d
}

// name is function i's function_name as the gateway exports it.
func name(i int) string { return fmt.Sprintf("fn-%06d.openfaas-fn", i) }

// gateway's labels: one gateway instance, scraped by one job, started an
// hour before the day.
const (
	gatewayJob      = "gateway"
	gatewayInstance = "gateway.openfaas:8082"
)

// idleAfter is when the synthetic idler scales a function without calls to
// zero (its gateway_service_count falls from 1 to 0).
const idleAfter = 15 * time.Minute

// commitEvery is how many functions' samples writeDay appends before it
// commits them.
const commitEvery = 500

// writeDay writes d as TSDB blocks into dir, one a blockSpan (aligned to
// it, as Prometheus' own are), each series sampled every d.scrape: per
// function its started counter and its invocation counter (code 200) from
// its first call on, as the gateway exports them, and its replica gauge
// all day (1 while called within idleAfter, 0 after); the gateway's
// process start time. It returns the samples written.
func writeDay(ctx context.Context, dir string, d *day) (int, error) {
	const blockSpan = 2 * time.Hour
	start := d.from.Truncate(blockSpan)
	samples := 0
	gw := labels.FromStrings("__name__", promql.MetricProcessStart, "instance", gatewayInstance, "job", gatewayJob)
	started := float64(d.from.Add(-time.Hour).Unix())
	next := make([]int, len(d.calls)) // each function's calls before the block's first scrape
	// Up to the block holding d.to, included: a day ending on a block's
	// boundary has its last scrape in the block that starts there (it
	// was lost, and with it the calls of the day's last scrape interval).
	for lo := start; !lo.After(d.to); lo = lo.Add(blockSpan) {
		hi := lo.Add(blockSpan)
		// Its head's chunk range four blocks, so that a commit of some
		// functions' samples up to the block's end leaves the next
		// functions' from its start appendable (a head takes samples
		// back to half its chunk range before its newest).
		w, err := tsdb.NewBlockWriter(slog.New(slog.DiscardHandler), dir, 4*blockSpan.Milliseconds())
		if err != nil {
			return samples, err
		}
		app := w.Appender(ctx)
		// The scrapes of this block: every d.scrape from the day's start.
		first := max(0, int((lo.Sub(d.from)+d.scrape-1)/d.scrape))
		var at []time.Time
		for k := first; ; k++ {
			t := d.from.Add(time.Duration(k) * d.scrape)
			if !t.Before(hi) || t.After(d.to) {
				break
			}
			at = append(at, t)
		}
		for _, t := range at {
			if _, err := app.Append(0, gw, t.UnixMilli(), started); err != nil {
				return samples, err
			}
			samples++
		}
		for i, calls := range d.calls {
			fn := name(i)
			startedL := labels.FromStrings("__name__", promql.MetricStarted, "function_name", fn, "instance", gatewayInstance, "job", gatewayJob)
			totalL := labels.FromStrings("__name__", promql.MetricInvocationTotal, "code", "200", "function_name", fn, "instance", gatewayInstance, "job", gatewayJob)
			replicasL := labels.FromStrings("__name__", "gateway_service_count", "function_name", fn, "instance", gatewayInstance, "job", gatewayJob)
			n := next[i]
			var refs [3]storage.SeriesRef // replicas, started, total: each series looked up once a block
			for _, t := range at {
				sec := int32(t.Sub(d.from) / time.Second)
				for n < len(calls) && calls[n] <= sec {
					n++
				}
				ms := t.UnixMilli()
				replicas := 0.0
				if n > 0 && t.Sub(d.from.Add(time.Duration(calls[n-1])*time.Second)) < idleAfter {
					replicas = 1
				}
				if refs[0], err = app.Append(refs[0], replicasL, ms, replicas); err != nil {
					return samples, err
				}
				samples++
				if n == 0 {
					continue // no counter before the function's first call
				}
				if refs[1], err = app.Append(refs[1], startedL, ms, float64(n)); err != nil {
					return samples, err
				}
				if refs[2], err = app.Append(refs[2], totalL, ms, float64(n)); err != nil {
					return samples, err
				}
				samples += 2
			}
			next[i] = n
			if (i+1)%commitEvery == 0 {
				// An appender holds every sample until it commits: a
				// block's at 100,000 functions, 144 million, took over
				// 20 GB.
				if err := app.Commit(); err != nil {
					return samples, err
				}
				app = w.Appender(ctx)
			}
		}
		if err := app.Commit(); err != nil {
			return samples, err
		}
		if _, err := w.Flush(ctx); err != nil {
			return samples, err
		}
		if err := w.Close(); err != nil {
			return samples, err
		}
	}
	return samples, nil
}

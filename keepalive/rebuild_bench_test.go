package keepalive

import (
	"context"
	"flag"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// BenchmarkRebuildDay measures Rebuild of a day's history at one-minute
// steps (the controller's keep_alive.rebuild_lookback and RebuildStep) for
// a fleet of n functions on one gateway, the counters served by dayOfCalls:
// what the rebuild itself costs the controller, apart from Prometheus' time
// to answer, which is the part a real deployment waits on. It reports, a
// rebuild:
//   - ns/op, B/op, allocs/op: with the fake's work in them; the answers it
//     builds are the decoded matrices the controller's client would hold
//     (which decodes JSON too, so more), its generator's own work is not
//     and is reported apart as fake-ms;
//   - rebuild-ms: ns/op less the fake's time;
//   - peak-MB: the most heap in use sampled (every millisecond) during the
//     rebuild above what was in use before it (after a collection, the
//     fake's own state included there, so not counted); peak-live-MB the
//     same of the live heap the collections marked (heapWatch);
//   - retained-MB: the live heap after it, above that before: the policy's
//     idle times and entries;
//   - parts: counter queries asked (each at most rebuildMaxPoints points).
//
// Only N=10000 runs unless the -bench pattern names 100000 (a day of
// 100,000 functions is 144 million points: seconds on two cores), e.g.
// go test -run '^$' -bench 'RebuildDay/100000' -benchtime 1x -benchmem ./keepalive/
// 100000-fn is the same fleet named "fn-<i>-fn": names that share their
// last characters, read in shards by another (rebuildspread.go).
func BenchmarkRebuildDay(b *testing.B) {
	for _, c := range []struct {
		n      int
		suffix string
	}{{10_000, ""}, {100_000, ""}, {100_000, "-fn"}} {
		n := c.n
		b.Run(strconv.Itoa(n)+c.suffix, func(b *testing.B) {
			if n > 10_000 && !strings.Contains(flag.Lookup("test.bench").Value.String(), strconv.Itoa(n)) {
				b.Skipf("a day of %d functions: name it in -bench to run it", n)
			}
			const lookback = 24 * time.Hour
			now := t0.Add(lookback)
			f := newDayOfCalls(1, n, t0, c.suffix)
			var peak, peakLive, retained float64
			var rep RebuildReport
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				f.reset()
				p, _ := New(Default())
				before := liveHeap()
				w := watchHeap() // its first sample just after liveHeap's collection
				b.StartTimer()
				var err error
				rep, err = p.Rebuild(context.Background(), f, now, lookback, time.Minute, "openfaas-fn")
				b.StopTimer()
				inUse, live := w.stop()
				peak, peakLive = max(peak, inUse), max(peakLive, live)
				if err != nil {
					b.Fatal(err)
				}
				retained = float64(liveHeap() - before)
				runtime.KeepAlive(p)
				b.StartTimer()
			}
			if rep.Functions < n/2 || rep.Invocations < float64(n) {
				b.Fatalf("the rebuild learned %+v: the fake does not exercise it", rep)
			}
			per := float64(b.N)
			b.ReportMetric(float64(f.spent.Milliseconds())/per, "fake-ms")
			b.ReportMetric((float64(b.Elapsed().Nanoseconds())-float64(f.spent.Nanoseconds()))/per/1e6, "rebuild-ms")
			b.ReportMetric(peak/1e6, "peak-MB")
			b.ReportMetric(peakLive/1e6, "peak-live-MB")
			b.ReportMetric(retained/1e6, "retained-MB")
			b.ReportMetric(float64(f.queries)/per, "parts")
			b.ReportMetric(rep.Invocations, "invocations")
		})
	}
}

// dayOfCalls answers Rebuild's queries as ranged does (the counter query
// with each series' values within the asked range, the series counted for
// RebuildSeriesQuery), for n functions' started counters on one gateway
// instance, but makes each part's series when it is asked rather than
// holding the whole day (144 million points at 100,000 functions, gigabytes
// the controller never holds). Each function is called as a Poisson process
// at its own rate, drawn log-uniform between once a day and once a minute
// (most functions rare, a few busy); its counter is cumulative, as
// Prometheus returns it, from a baseline of calls before the lookback. The
// parts must come in time order (Rebuild's), or the calls are drawn again
// from the start. The gateway's process start time is answered at every
// step (one process all day), and functions called less than every 15
// minutes fell to zero in the replica history about once a call.
type dayOfCalls struct {
	from  time.Time
	seed  uint64
	names []string
	rate  []float64 // calls a minute

	// What the functions' calls have reached: each counter at step at,
	// and the minute (after from) of its next call.
	rng   *rand.Rand
	count []float64
	next  []float64
	at    int

	// vals holds every counter's values at the steps from vFirst to
	// vLast, function by function: the shards of one part (partSize)
	// are answered from one drawing of its calls.
	vals          []float64
	vFirst, vLast int

	queries int           // counter queries answered
	spent   time.Duration // time spent in QueryRange
}

const dayGateway = "10.0.0.7:8082"

func newDayOfCalls(seed uint64, n int, from time.Time, suffix string) *dayOfCalls {
	f := &dayOfCalls{from: from, seed: seed, names: make([]string, n), rate: make([]float64, n),
		count: make([]float64, n), next: make([]float64, n)}
	rng := rand.New(rand.NewPCG(seed, 1))
	lo, hi := math.Log(1.0/(24*60)), math.Log(1)
	for i := range n {
		f.names[i] = "fn-" + strconv.Itoa(i) + suffix + ".openfaas-fn"
		f.rate[i] = math.Exp(lo + rng.Float64()*(hi-lo))
	}
	f.reset()
	return f
}

// reset draws the day's calls again from its start, the same ones.
func (f *dayOfCalls) reset() {
	f.rng = rand.New(rand.NewPCG(f.seed, 2))
	for i, r := range f.rate {
		f.count[i] = float64(f.rng.IntN(1 + int(r*7*24*60))) // up to a week of calls before
		f.next[i] = f.rng.ExpFloat64() / r
	}
	f.at = -1
}

func (f *dayOfCalls) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	began := time.Now()
	defer func() { f.spent += time.Since(began) }()
	first := int(r.Start.Sub(f.from) / r.Step)
	last := int(r.End.Sub(f.from) / r.Step)
	at := func(k int) model.Time {
		return model.TimeFromUnixNano(f.from.Add(time.Duration(k) * r.Step).UnixNano())
	}
	switch {
	case q == RebuildSeriesQuery():
		// Every function's counter at every step: there all day.
		s := &model.SampleStream{Metric: model.Metric{}}
		for k := first; k <= last; k++ {
			s.Values = append(s.Values, model.SamplePair{Timestamp: at(k), Value: model.SampleValue(len(f.names))})
		}
		return model.Matrix{s}, nil, nil, nil
	case strings.Contains(q, promql.MetricProcessStart):
		s := &model.SampleStream{Metric: model.Metric{"instance": dayGateway}, Values: make([]model.SamplePair, 0, last-first+1)}
		for k := first; k <= last; k++ {
			s.Values = append(s.Values, model.SamplePair{Timestamp: at(k), Value: model.SampleValue(f.from.Add(-48 * time.Hour).Unix())})
		}
		return model.Matrix{s}, nil, nil, nil
	case q == RebuildReplicasQuery(r.Step):
		return f.falls(r.Step), nil, nil, nil
	}
	for pos := 0; pos <= maxShardPosition; pos++ {
		if q == ShardSpreadQuery(pos, "openfaas-fn") {
			return f.spread(pos, at(last)), nil, nil, nil
		}
	}
	selects, _, ok := counterShard(q)
	if !ok {
		return model.Matrix{}, nil, nil, nil
	}
	f.queries++
	steps := last - first + 1
	if f.vals == nil || first != f.vFirst || last != f.vLast {
		if first <= f.at {
			f.reset()
		}
		f.vals = slices.Grow(f.vals[:0], len(f.names)*steps)[:len(f.names)*steps]
		for i := range f.names {
			for k := first; k <= last; k++ {
				for f.next[i] <= float64(k) {
					f.count[i]++
					f.next[i] += f.rng.ExpFloat64() / f.rate[i]
				}
				f.vals[i*steps+k-first] = f.count[i]
			}
		}
		f.at, f.vFirst, f.vLast = last, first, last
	}
	m := make(model.Matrix, 0, len(f.names))
	for i, name := range f.names {
		if !selects(model.LabelValue(name)) {
			continue
		}
		// A series as the client decodes it: its own labels and values.
		s := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(strings.Clone(name)),
			"instance": dayGateway}, Values: make([]model.SamplePair, 0, steps)}
		for k := first; k <= last; k++ {
			s.Values = append(s.Values, model.SamplePair{Timestamp: at(k), Value: model.SampleValue(f.vals[i*steps+k-first])})
		}
		m = append(m, s)
	}
	return m, nil, nil, nil
}

// spread answers ShardSpreadQuery(pos) at t: every function, there all
// day, counted by the character pos from the end of its name.
func (f *dayOfCalls) spread(pos int, t model.Time) model.Matrix {
	by := map[string]float64{}
	for _, name := range f.names {
		by[charFromEnd(name, pos)]++
	}
	return spreadAnswer(by, t)
}

// falls is the replica history's answer: for each function called less
// than every 15 minutes, a fall to zero from one replica at about as many
// steps as its calls in a day.
func (f *dayOfCalls) falls(step time.Duration) model.Matrix {
	rng := rand.New(rand.NewPCG(f.seed, 3))
	steps := int(24 * time.Hour / step)
	var m model.Matrix
	for i, r := range f.rate {
		if r >= 1.0/15 {
			continue
		}
		s := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(strings.Clone(f.names[i]))}}
		for range 1 + int(r*float64(steps)) {
			at := f.from.Add(time.Duration(rng.IntN(steps)) * step)
			s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: 1})
		}
		m = append(m, s)
	}
	return m
}

// heapWatch samples, every millisecond until stopped, the heap in use
// (live and not yet swept objects, and the free space of the spans holding
// them: MemStats.HeapInuse) and the live heap the last collection marked,
// without stopping the world as ReadMemStats does. The heap in use is what
// the process holds at the collector's pace (GOGC); the live heap is what
// a soft memory limit (the chart's GOMEMLIMIT) cannot collect.
type heapWatch struct {
	done       chan struct{}
	wg         sync.WaitGroup
	base, peak heapSample
}

type heapSample struct{ inUse, live uint64 }

func watchHeap() *heapWatch {
	w := &heapWatch{done: make(chan struct{})}
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/gc/heap/live:bytes"}}
	read := func() heapSample {
		metrics.Read(samples)
		s := heapSample{samples[0].Value.Uint64() + samples[1].Value.Uint64(), samples[2].Value.Uint64()}
		w.peak = heapSample{max(w.peak.inUse, s.inUse), max(w.peak.live, s.live)}
		return s
	}
	w.base = read()
	w.wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				read()
				return
			case <-tick.C:
				read()
			}
		}
	})
	return w
}

// stop ends the sampling and returns the most seen of each, above the
// first sample.
func (w *heapWatch) stop() (inUse, live float64) {
	close(w.done)
	w.wg.Wait()
	return float64(w.peak.inUse) - float64(w.base.inUse), float64(w.peak.live) - float64(w.base.live)
}

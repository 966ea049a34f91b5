package embedded

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

const benchFunctions = 10_000

// fixedClock is "now" for benchmarks outside a synctest bubble.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                         { return c.t }
func (c fixedClock) NewTicker(d time.Duration) clock.Ticker { return clock.Real().NewTicker(d) }

// benchScrape is one scrape of n functions at second i: even functions busy
// (counters move every scrape), odd ones idle.
func benchScrape(n, i int) []Sample {
	out := make([]Sample, 0, 3*n)
	for f := range n {
		name := fmt.Sprintf("fn-%05d.openfaas-fn", f)
		v := 7.0
		if f%2 == 0 {
			v = float64(i * (f%10 + 1))
		}
		out = append(out,
			Sample{Metric: MetricTotal, FunctionName: name, Code: "200", Value: v},
			Sample{Metric: MetricStarted, FunctionName: name, Value: v},
			Sample{Metric: MetricInflight, FunctionName: name, Value: float64(f % 3)},
		)
	}
	return out
}

// benchSource holds 2 minutes of 1 s scrapes of 10,000 functions.
func benchSource(b *testing.B) *Source {
	b.Helper()
	t0 := time.Unix(1_700_000_000, 0)
	const scrapes = 120
	cfg := DefaultConfig()
	cfg.Interval = time.Second
	cfg.Clock = fixedClock{t0.Add(scrapes*time.Second - 500*time.Millisecond)}
	src, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for i := range scrapes {
		src.Observe(t0.Add(time.Duration(i)*time.Second), benchScrape(benchFunctions, i))
	}
	return src
}

func BenchmarkLoadRPS10k(b *testing.B) {
	src := benchSource(b)
	q := metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 30 * time.Second}
	b.ReportAllocs()
	for b.Loop() {
		if v, err := src.Load(context.Background(), q); err != nil || len(v) != benchFunctions {
			b.Fatal(len(v), err)
		}
	}
}

func BenchmarkLoadCapacity10k(b *testing.B) {
	src := benchSource(b)
	q := metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 30 * time.Second}
	b.ReportAllocs()
	for b.Loop() {
		if v, err := src.Load(context.Background(), q); err != nil || len(v) != benchFunctions {
			b.Fatal(len(v), err)
		}
	}
}

func BenchmarkActivity10k(b *testing.B) {
	src := benchSource(b)
	b.ReportAllocs()
	for b.Loop() {
		if a, err := src.Activity(context.Background(), time.Minute); err != nil || len(a.Started) != benchFunctions {
			b.Fatal(len(a.Started), err)
		}
	}
}

// BenchmarkObserve10k is the cost of ingesting one scrape of 10,000
// functions into a source holding 2 minutes of history.
func BenchmarkObserve10k(b *testing.B) {
	src := benchSource(b)
	t := src.clock.Now()
	samples := benchScrape(benchFunctions, 121)
	b.ReportAllocs()
	for b.Loop() {
		t = t.Add(time.Second)
		src.Observe(t, samples)
	}
}

// BenchmarkParse10k is the cost of parsing a 10,000-function /metrics body.
func BenchmarkParse10k(b *testing.B) {
	var buf bytes.Buffer
	for _, s := range benchScrape(benchFunctions, 5) {
		if s.Code != "" {
			fmt.Fprintf(&buf, "%s{code=%q,function_name=%q} %g\n", s.Metric, s.Code, s.FunctionName, s.Value)
		} else {
			fmt.Fprintf(&buf, "%s{function_name=%q} %g\n", s.Metric, s.FunctionName, s.Value)
		}
	}
	body := buf.Bytes()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if s, err := parse(io.NopCloser(bytes.NewReader(body))); err != nil || len(s) != 3*benchFunctions {
			b.Fatal(len(s), err)
		}
	}
}

// BenchmarkPassLoads is a scaler pass's capacity reads of 200 busy
// functions (the in-flight gauge and the arrivals changing at every 5 s
// scrape, as the replay's busiest do): the stable and burst windows asked
// one after the other ("apart") or in one call ("together").
func BenchmarkPassLoads(b *testing.B) {
	const n = 200
	t0 := time.Unix(1_700_000_000, 0)
	cfg := DefaultConfig()
	cfg.Clock = fixedClock{t0.Add(10*time.Minute + 2500*time.Millisecond)}
	src, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	fns := make([]provider.Function, n)
	started, secs := make([]float64, n), make([]float64, n)
	for s := range 121 {
		var samples []Sample
		for f := range n {
			name := fmt.Sprintf("fn-%03d", f)
			fns[f].Ref = provider.Ref{Name: name, Namespace: DefaultNamespace}
			started[f] += float64(1 + (s+f)%7)
			secs[f] += 0.4 * float64(1+(s+f)%7)
			samples = append(samples,
				Sample{Metric: MetricStarted, FunctionName: name, Value: started[f]},
				Sample{Metric: MetricTotal, FunctionName: name, Code: "200", Value: started[f]},
				Sample{Metric: MetricSecondsSum, FunctionName: name, Code: "200", Value: secs[f]},
				Sample{Metric: MetricSecondsCount, FunctionName: name, Code: "200", Value: started[f]},
				Sample{Metric: MetricInflight, FunctionName: name, Value: float64((s * f) % 5)})
		}
		src.Observe(t0.Add(time.Duration(s)*5*time.Second), samples)
	}
	ctx := context.Background()
	stable := metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute}
	burst := metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 10 * time.Second}
	b.Run("apart", func(b *testing.B) {
		var r1, r2 []metricsource.Reading
		b.ReportAllocs()
		for b.Loop() {
			r1, _ = src.LoadAligned(ctx, stable, fns, r1)
			r2, _ = src.LoadAligned(ctx, burst, fns, r2)
		}
	})
	b.Run("together", func(b *testing.B) {
		ws := []metricsource.WindowReadings{{Window: stable.Window}, {Window: burst.Window}}
		b.ReportAllocs()
		for b.Loop() {
			src.LoadsAligned(ctx, metricsource.TypeCapacity, fns, ws)
		}
	})
}

// BenchmarkLoadCapacityRebased10k is BenchmarkLoadCapacity10k with a
// rebased page (procRebased) 20 s ago, inside the 30 s window: every
// function's read asks windowRead.blind whether it has the in-flight gauge.
func BenchmarkLoadCapacityRebased10k(b *testing.B) {
	t0 := time.Unix(1_700_000_000, 0)
	const scrapes = 120
	cfg := DefaultConfig()
	cfg.Interval = time.Second
	cfg.Clock = fixedClock{t0.Add(scrapes*time.Second - 500*time.Millisecond)}
	src, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for i := range scrapes {
		proc := procUnknown
		if i == scrapes-20 {
			proc = procRebased
		}
		src.observe(t0.Add(time.Duration(i)*time.Second), benchScrape(benchFunctions, i), proc, 0)
	}
	q := metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 30 * time.Second}
	b.ReportAllocs()
	for b.Loop() {
		if v, err := src.Load(context.Background(), q); err != nil || len(v) != benchFunctions {
			b.Fatal(len(v), err)
		}
	}
}

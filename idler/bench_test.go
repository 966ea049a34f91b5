package idler

import (
	"context"
	"fmt"
	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// staticSource answers every Activity query with the same prebuilt 10k-series
// maps, so the benchmark measures the idler, not the source.
type staticSource struct {
	act     metricsource.Activity
	queries int
}

func (s *staticSource) Activity(ctx context.Context, w time.Duration) (metricsource.Activity, error) {
	s.queries++
	a := s.act
	a.Window = w
	return a, nil
}

// benchProvider lists n functions. It stores the counts written only when
// remember is set: the first-cycle benchmark needs every cycle to find the
// fleet as deployed, the steady one needs the fleet as the last cycle left it.
type benchProvider struct {
	byNS     map[string][]provider.Function
	nss      []string
	calls    atomic.Int64
	remember bool
	mu       sync.Mutex
	at       map[provider.Ref]*provider.Function
}

func (p *benchProvider) Namespaces(context.Context) ([]string, error) { return p.nss, nil }
func (p *benchProvider) Functions(_ context.Context, ns string) ([]provider.Function, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.byNS[ns]), nil // a listing is the caller's
}
func (p *benchProvider) Function(context.Context, provider.Ref) (provider.Function, error) {
	return provider.Function{}, provider.ErrNotFound
}
func (p *benchProvider) Scale(context.Context, provider.Ref, uint64) error {
	p.calls.Add(1)
	return nil
}

// ScaleFromCreated makes the provider conditional on the function's count
// and identity, so the actuator writes without reading first, as it does
// on Kubernetes (the benchmark's functions are never deployed again).
func (p *benchProvider) ScaleFromCreated(ctx context.Context, ref provider.Ref, from, to uint64, _ time.Time) error {
	return p.ScaleFrom(ctx, ref, from, to)
}

// ScaleFrom makes the provider conditional, so the actuator writes without
// reading first, as it does on Kubernetes.
func (p *benchProvider) ScaleFrom(_ context.Context, ref provider.Ref, _, to uint64) error {
	p.calls.Add(1)
	if p.remember {
		p.mu.Lock()
		fn := p.at[ref]
		fn.Replicas, fn.AvailableReplicas = to, to
		p.mu.Unlock()
	}
	return nil
}

// benchActuator is the benchmarks' actuator over p, keeping no history.
func benchActuator(b *testing.B, p *benchProvider, clk *benchClock) *actuator.Actuator {
	b.Helper()
	ac := actuator.Default()
	ac.Provider, ac.Clock, ac.HistorySize = p, clk, 0
	act, err := actuator.New(ac)
	if err != nil {
		b.Fatal(err)
	}
	return act
}

// benchClock is the benchmark's time, moved by the benchmark: the actuator
// must see the same time as the idler's decisions.
type benchClock struct{ now time.Time }

func (c *benchClock) Now() time.Time                         { return c.now }
func (c *benchClock) NewTicker(d time.Duration) clock.Ticker { return clock.Real().NewTicker(d) }

// fleet builds n functions over 10 namespaces: 60% opted in (keep-alives 5m,
// 15m, 30m), 10% with a weekday schedule, the rest plain; a third invoked.
func fleet(n int, now time.Time) (*benchProvider, *staticSource) {
	p := &benchProvider{byNS: map[string][]provider.Function{}}
	src := &staticSource{act: metricsource.Activity{Covered: true, Started: metricsource.Values{}, Inflight: metricsource.Values{}}}
	durs := []string{"5m", "15m", "30m"}
	for i := range n {
		ns := fmt.Sprintf("ns-%d", i%10)
		fn := provider.Function{Ref: provider.Ref{Name: fmt.Sprintf("fn-%05d", i), Namespace: ns}, Replicas: 2, AvailableReplicas: 2,
			CreatedAt: now.Add(-48 * time.Hour), Labels: map[string]string{"faas_function": "x", "com.openfaas.scale.max": "10"}}
		switch {
		case i%10 < 6:
			fn.Labels[LabelZero] = "true"
			fn.Labels[LabelZeroDuration] = durs[i%3]
		case i%10 == 6:
			fn.Labels[LabelZero] = "true"
			fn.Annotations = map[string]string{MinScheduleLabel: "CRON_TZ=Europe/Paris 0 8 * * 1-5 for 12h = 2"}
		}
		p.byNS[ns] = append(p.byNS[ns], fn)
		started := 0.0
		if i%3 == 0 {
			started = 5
		}
		src.act.Started[fn.Ref] = started
		src.act.Inflight[fn.Ref] = 0
	}
	for i := range 10 {
		p.nss = append(p.nss, fmt.Sprintf("ns-%d", i))
	}
	p.at = map[provider.Ref]*provider.Function{}
	for _, ns := range p.nss {
		for i := range p.byNS[ns] {
			p.at[p.byNS[ns][i].Ref] = &p.byNS[ns][i]
		}
	}
	return p, src
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCycle runs one idler cycle over 10,000 functions.
//
// "first" is a fresh idler on the fleet as deployed, every cycle: its state
// to build and 4,000 functions to idle through the actuator, the dearest
// cycle there is (the provider forgets the writes, so each cycle finds the
// fleet as deployed). "steady" is the cycle an operator sees every interval
// after that: the same idler one minute later on the fleet as the last cycle
// left it (the idle functions at zero, the others still running).
func BenchmarkCycle(b *testing.B) {
	b.Run("first", func(b *testing.B) { benchCycle(b, false) })
	b.Run("steady", func(b *testing.B) { benchCycle(b, true) })
}

func benchCycle(b *testing.B, steady bool) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) // a Wednesday: schedules active
	p, src := fleet(10_000, now)
	p.remember = steady
	clk := &benchClock{now}
	act := benchActuator(b, p, clk)
	newIdler := func() *Idler {
		d, err := New(Config{Provider: p, Actuator: act, Source: src, Registerer: prometheus.NewRegistry(), Clock: clk})
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	ctx := context.Background()
	d := newIdler()
	first := d.RunOnce(ctx, now) // warms caches; in steady, the cycle that idles
	if first.Functions != 10_000 || len(first.Idled) == 0 {
		b.Fatalf("cycle saw %d functions, idled %d", first.Functions, len(first.Idled))
	}
	src.queries = 0
	p.calls.Store(0)
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	var rep CycleReport
	for b.Loop() {
		if steady {
			now = now.Add(time.Minute)
			clk.now = now
		} else {
			b.StopTimer()
			d = newIdler()
			b.StartTimer()
		}
		cpu0 := cpuTime()
		rep = d.RunOnce(ctx, now)
		cpu += cpuTime() - cpu0
	}
	b.StopTimer()
	if rep.Functions != 10_000 || (!steady && len(rep.Idled) == 0) {
		b.Fatalf("cycle saw %d functions, idled %d", rep.Functions, len(rep.Idled))
	}
	b.ReportMetric(float64(src.queries)/float64(b.N), "queries/cycle")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/cycle")
	b.ReportMetric(float64(p.calls.Load())/float64(b.N), "scales/cycle")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-inuse-MiB")
	runtime.KeepAlive(d) // the idler's state, the provider's functions and the
	runtime.KeepAlive(p) // source's series are what a running controller holds
	runtime.KeepAlive(src)
}

package idler

import (
	"context"
	"fmt"
	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"runtime"
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

// benchProvider lists n functions and accepts scale calls without storing
// them, so every cycle does the full work (decide, re-check, scale).
type benchProvider struct {
	byNS  map[string][]provider.Function
	nss   []string
	calls atomic.Int64
}

func (p *benchProvider) Namespaces(context.Context) ([]string, error) { return p.nss, nil }
func (p *benchProvider) Functions(_ context.Context, ns string) ([]provider.Function, error) {
	return p.byNS[ns], nil
}
func (p *benchProvider) Function(context.Context, provider.Ref) (provider.Function, error) {
	return provider.Function{}, provider.ErrNotFound
}
func (p *benchProvider) Scale(context.Context, provider.Ref, uint64) error {
	p.calls.Add(1)
	return nil
}

// ScaleFrom makes the provider conditional, so the actuator writes without
// reading first, as it does on Kubernetes.
func (p *benchProvider) ScaleFrom(context.Context, provider.Ref, uint64, uint64) error {
	p.calls.Add(1)
	return nil
}

// fixedClock is the benchmark's instant: every cycle runs at the same now,
// and the actuator must see the same time as the idler's decisions.
type fixedClock struct{ now time.Time }

func (c fixedClock) Now() time.Time                         { return c.now }
func (c fixedClock) NewTicker(d time.Duration) clock.Ticker { return clock.Real().NewTicker(d) }

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
	return p, src
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCycle runs one idler cycle over 10,000 functions.
func BenchmarkCycle(b *testing.B) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) // a Wednesday: schedules active
	p, src := fleet(10_000, now)
	ac := actuator.Default()
	ac.Provider, ac.Clock, ac.HistorySize = p, fixedClock{now}, 0
	act, err := actuator.New(ac)
	if err != nil {
		b.Fatal(err)
	}
	// The provider does not store scale calls, so a second cycle of the same
	// idler would find every function it idled running again and treat it as
	// woken (never idled at once). Each cycle therefore runs on a fresh idler:
	// a first cycle, with its state to build, the dearest there is.
	newIdler := func() *Idler {
		d, err := New(Config{Provider: p, Actuator: act, Source: src, Registerer: prometheus.NewRegistry()})
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	ctx := context.Background()
	newIdler().RunOnce(ctx, now) // warm caches
	src.queries = 0
	p.calls.Store(0)
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	var rep CycleReport
	var d *Idler
	for b.Loop() {
		b.StopTimer()
		d = newIdler()
		cpu0 := cpuTime()
		b.StartTimer()
		rep = d.RunOnce(ctx, now)
		cpu += cpuTime() - cpu0
	}
	b.StopTimer()
	if rep.Functions != 10_000 || len(rep.Idled) == 0 {
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

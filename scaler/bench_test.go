package scaler

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/internal/exposition"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// BenchmarkDecide measures one decision with a full down window of history
// (2 min at 5 s = 24 recommendations), as the loop makes it for every function
// every pass.
func BenchmarkDecide(b *testing.B) {
	cases := []struct {
		name string
		spec Spec
		obs  Observation
	}{
		{"target_within_tolerance", specFrom(nil), obsOf(9, ptr(400))},
		{"target_scale_down_stabilised", specFrom(nil), Observation{Replicas: 9, Available: 9, StableLoad: ptr(100), BurstLoad: ptr(100)}},
		{"target_burst", specFrom(nil), Observation{Replicas: 2, Available: 2, StableLoad: ptr(100), BurstLoad: ptr(900)}},
		{"step_firing", stepSpec(nil), withSignal(3, firing("fp", t0))},
		{"at_zero_idle", specFrom(nil), obsOf(0, ptr(0))},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var st State
			for i := range 24 {
				st.Recommendations = append(st.Recommendations, Recommendation{At: InstantOf(t0.Add(time.Duration(i-24) * tickEvery)), Replicas: 9})
			}
			b.ReportAllocs()
			for b.Loop() {
				Decide(c.spec, c.obs, st, t0)
			}
		})
		// The loop's passes decide quietly (no reason words) unless the
		// decision changes something.
		b.Run(c.name+"/quiet", func(b *testing.B) {
			st := State{Recommendations: []Recommendation{{At: InstantOf(t0.Add(-tickEvery)), Replicas: 9}}}
			obs := c.obs
			obs.quiet = true
			b.ReportAllocs()
			for b.Loop() {
				Decide(c.spec, obs, st, t0)
			}
		})
	}
}

// BenchmarkTick measures one full pass over n functions with the in-memory
// provider and source (no I/O): listing, two load queries, parsing labels,
// deciding and exporting metrics for each. Nothing scales: the cost of a
// quiet pass, which is almost every pass. The first pass (every function
// seen for the first time: states, metric series, parses) runs before the
// clock starts, so the figure is the pass an operator pays every interval.
// The memory provider shares its label maps with the loop (ShareMaps), as a
// provider serving from a cache would; "copied" is the provider's default,
// which copies every function's labels for every listing: a provider cost,
// measured beside the controller's.
func BenchmarkTick(b *testing.B) {
	for _, c := range []struct {
		n      int
		copied bool
	}{{100, false}, {10_000, false}, {100_000, false}, {100_000, true}} {
		name := fmt.Sprint(c.n)
		if c.copied {
			name += "/copied"
		}
		n := c.n
		b.Run(name, func(b *testing.B) {
			p := &testProvider{Provider: memory.New(clock.Real(), memory.Options{ShareMaps: !c.copied}), t: b}
			src := scalertest.NewSource()
			for i := range n {
				ref := provider.Ref{Name: fmt.Sprintf("fn-%06d", i), Namespace: "openfaas-fn"}
				p.set(function(ref, 4, map[string]string{LabelMax: "40", LabelTarget: "50"}))
				src.Set("rps", ref, 180)
			}
			l, err := NewLoop(LoopConfig{Provider: p, Source: src, Actuator: newActuator(b, p, nil, false), Defaults: DefaultDefaults()})
			if err != nil {
				b.Fatal(err)
			}
			now := t0
			if err := l.Tick(b.Context(), now); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				now = now.Add(tickEvery)
				if err := l.Tick(b.Context(), now); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time is what the shared machine cannot distort much.
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			if calls := p.takeCalls(); len(calls) != 0 {
				b.Fatalf("quiet pass scaled: %d calls", len(calls))
			}
		})
	}
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScrape writes the per-function families of 100,000 decided
// functions (what /metrics adds to a scrape), the fleet unchanged between
// scrapes as it mostly is.
func BenchmarkScrape(b *testing.B) {
	const n = 100_000
	p := &testProvider{Provider: memory.New(clock.Real(), memory.Options{ShareMaps: true}), t: b}
	src := scalertest.NewSource()
	for i := range n {
		ref := provider.Ref{Name: fmt.Sprintf("fn-%06d", i), Namespace: "openfaas-fn"}
		p.set(function(ref, 4, map[string]string{LabelMax: "40", LabelTarget: "50"}))
		src.Set("rps", ref, 180)
	}
	l, err := NewLoop(LoopConfig{Provider: p, Source: src, Actuator: newActuator(b, p, nil, false), Defaults: DefaultDefaults()})
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Tick(b.Context(), t0); err != nil {
		b.Fatal(err)
	}
	w := exposition.NewWriter(bufio.NewWriterSize(io.Discard, 32<<10))
	s := fnSeries{l: l}
	runtime.GC()
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		if err := s.WriteText(w); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

package embedded

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// totalKeepFleet feeds two sources the same random scrapes: functions with
// and without the started counter, with and without the in-flight gauge,
// the invocation counter under two codes for some, each counter vanishing
// and coming back (reset) on its own; f1's started counter goes for good
// after its first scrapes, so that its invocation counter alone says
// whether it vanished.
type totalKeepFleet struct {
	rnd  *rand.Rand
	fns  []provider.Function
	vals map[string]float64 // by series name: a counter's value
	gone map[string]bool
	n    int // scrapes so far
}

func newTotalKeepFleet(n int) *totalKeepFleet {
	f := &totalKeepFleet{rnd: rand.New(rand.NewPCG(36, 3)), vals: map[string]float64{}, gone: map[string]bool{}}
	for i := range n {
		f.fns = append(f.fns, provider.Function{Ref: provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: DefaultNamespace}})
	}
	return f
}

// scrape is the next scrape's samples.
func (f *totalKeepFleet) scrape() []Sample {
	var out []Sample
	f.n++
	counter := func(i int, metric, code string) {
		name := f.fns[i].Ref.Name
		key := name + metric + code
		switch {
		case i == 1 && metric == MetricStarted && f.n > 20:
			f.gone[key] = true
		case f.gone[key]:
			if f.rnd.IntN(5) == 0 {
				f.gone[key], f.vals[key] = false, float64(f.rnd.IntN(3)) // back, reset
			}
		case i > 0 && f.rnd.IntN(30) == 0: // f0, the busy one, stays
			f.gone[key] = true
		case i == 0 || f.rnd.IntN(4) == 0:
			f.vals[key] += float64(f.rnd.IntN(4))
		}
		if !f.gone[key] {
			out = append(out, Sample{Metric: metric, FunctionName: name, Code: code, Value: f.vals[key]})
		}
	}
	for i := range f.fns {
		if i%3 != 2 { // every third without the started counter
			counter(i, MetricStarted, "")
		}
		counter(i, MetricTotal, "200")
		if i%2 == 0 {
			counter(i, MetricTotal, "500")
		}
		if i%4 != 3 { // every fourth without the gauge: in flight from the counters
			out = append(out, Sample{Metric: MetricInflight, FunctionName: f.fns[i].Ref.Name, Value: float64(f.rnd.IntN(3))})
		}
	}
	return out
}

// answers is everything src answers but rps, for comparing two sources.
func totalKeepAnswers(t *testing.T, src *Source, fns []provider.Function) string {
	var b []any
	refs := make([]provider.Ref, len(fns))
	for i := range fns {
		refs[i] = fns[i].Ref
	}
	for _, w := range []time.Duration{10 * time.Second, time.Minute, 10 * time.Minute} {
		act, out, err := src.ActivityInto(t.Context(), w, refs, nil)
		b = append(b, act, out, err)
		counts, err := src.StartedCounts(t.Context(), w, nil)
		slices.SortFunc(counts, func(x, y metricsource.Count) int { return cmp.Compare(x.Ref.Name, y.Ref.Name) })
		b = append(b, counts, err)
	}
	for _, r := range refs {
		at, ok := src.LastActivity(r)
		b = append(b, at, ok)
	}
	loads, err := src.LoadAligned(t.Context(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute}, fns, nil)
	return fmt.Sprint(append(b, loads, err)...)
}

// TestTotalKeptForRPSOnly: while capacity is asked and rps is not, the
// invocation counter of a function with the started counter keeps its
// latest point alone, and every other answer (activity over windows of
// seconds to minutes, vanished included; the started counts; the last
// activity; capacity) is what a source that keeps it for the retention
// answers, at every scrape. An rps window asked after that reads missing
// for those functions until it has been scraped for, and then what the
// other source reads; functions without the started counter read as
// always.
func TestTotalKeptForRPSOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		trim, whole := trimAndWhole(t)
		fleet := newTotalKeepFleet(12)
		for scrape := range 500 {
			samples := fleet.scrape()
			trim.Observe(time.Now(), samples)
			whole.Observe(time.Now(), samples)
			if got, want := totalKeepAnswers(t, trim, fleet.fns), totalKeepAnswers(t, whole, fleet.fns); got != want {
				t.Fatalf("scrape %d: with the invocation counters cut\n%s\nkept for the retention\n%s", scrape, got, want)
			}
			time.Sleep(totalKeepScrape)
		}
		busy := trim.st.fns[fleet.fns[0].Ref]
		for _, s := range busy.series {
			if s.key.kind == kindTotal && len(s.pts) > 1 {
				t.Errorf("the busy function's invocation counter (code %s) holds %d points, want its latest alone", s.key.code, len(s.pts))
			}
		}
		// rps asked: missing for the functions with the started counter
		// until scraped for the window, then the same.
		const w = time.Minute
		q := metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: w}
		var missed bool
		for scrape := range 30 {
			got, err := trim.LoadAligned(t.Context(), q, fleet.fns, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := whole.LoadAligned(t.Context(), q, fleet.fns, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range fleet.fns {
				started := i%3 != 2
				switch {
				case got[i] == want[i]:
				case started && !got[i].Has && time.Duration(scrape)*totalKeepScrape <= w:
					missed = true
				default:
					t.Fatalf("rps %d scrapes after first asked, %s (started counter %v): %+v, kept for the retention %+v", scrape, fleet.fns[i].Ref, started, got[i], want[i])
				}
			}
			samples := fleet.scrape()
			trim.Observe(time.Now(), samples)
			whole.Observe(time.Now(), samples)
			time.Sleep(totalKeepScrape)
		}
		if !missed {
			t.Error("no function read missing right after rps was first asked: its counter's history was not cut")
		}
	})
}

// TestRPSAskedAtStartReadsAsBefore: a scaler with rps and capacity
// functions asks both types in its first pass, which a scrape may split;
// its rps readings are those of a source that keeps the invocation
// counters for the retention from the first one on, none missing.
func TestRPSAskedAtStartReadsAsBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		trim, whole := trimAndWhole(t)
		fleet := newTotalKeepFleet(6)
		observe := func() {
			samples := fleet.scrape()
			trim.Observe(time.Now(), samples)
			whole.Observe(time.Now(), samples)
			time.Sleep(totalKeepScrape)
		}
		observe()
		observe()
		for pass := range 40 {
			for _, src := range []*Source{trim, whole} {
				if _, err := src.LoadAligned(t.Context(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute}, fleet.fns, nil); err != nil {
					t.Fatal(err)
				}
			}
			observe() // between the pass's two types
			q := metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}
			got, err := trim.LoadAligned(t.Context(), q, fleet.fns, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := whole.LoadAligned(t.Context(), q, fleet.fns, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pass %d: rps %+v, kept for the retention %+v", pass, got, want)
			}
		}
	})
}

// totalKeepScrape is the scrape interval of trimAndWhole's sources.
const totalKeepScrape = 5 * time.Second

// trimAndWhole is two sources scraped every 5 s: one as shipped, one that
// keeps the invocation counters for the retention (noTrim), to compare.
func trimAndWhole(t *testing.T) (trim, whole *Source) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Interval = totalKeepScrape
	trim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	whole, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	whole.st.noTrim = true
	return trim, whole
}

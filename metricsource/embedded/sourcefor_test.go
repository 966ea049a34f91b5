package embedded

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// newSecondSource is a source scraped every second on a clock the test
// moves.
func newSecondSource(t *testing.T) (*fixedClock, *Source) {
	t.Helper()
	clk := &fixedClock{t: time.Unix(1_700_000_000, 0)}
	cfg := DefaultConfig()
	cfg.Interval, cfg.Clock = time.Second, clk
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return clk, src
}

// TestActivityForIsActivityOfThoseFunctions: ActivityFor gives each ref
// asked about exactly Activity's entries (started, in flight, woken,
// vanished) and nothing about the others.
func TestActivityForIsActivityOfThoseFunctions(t *testing.T) {
	clk, src := newSecondSource(t)
	for i := range 120 {
		smp := []Sample{
			{Metric: MetricStarted, FunctionName: "busy", Value: float64(3 * i)},
			{Metric: MetricInflight, FunctionName: "busy", Value: float64(i % 4)},
			{Metric: MetricTotal, FunctionName: "quiet", Code: "200", Value: 7},
			{Metric: MetricReplicas, FunctionName: "woken", Value: float64(min(1, max(0, i-100)))},
			{Metric: MetricStarted, FunctionName: "woken", Value: float64(i / 50)},
		}
		if i < 90 {
			smp = append(smp, Sample{Metric: MetricStarted, FunctionName: "gone", Value: float64(i)})
		}
		src.Observe(clk.t, smp)
		clk.t = clk.t.Add(time.Second)
	}
	clk.t = clk.t.Add(-time.Second)
	ctx := context.Background()
	refs := []provider.Ref{fnRef("busy"), fnRef("gone"), fnRef("woken"), fnRef("never")}
	for _, w := range []time.Duration{10 * time.Second, time.Minute} {
		all, err := src.Activity(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		some, err := src.ActivityFor(ctx, w, refs)
		if err != nil {
			t.Fatal(err)
		}
		want := metricsource.Activity{Window: all.Window, Covered: all.Covered, Uncovered: all.Uncovered,
			Started: metricsource.Values{}, Inflight: metricsource.Values{}}
		for _, ref := range refs {
			if v, ok := all.Started[ref]; ok {
				want.Started[ref] = v
			}
			if v, ok := all.Inflight[ref]; ok {
				want.Inflight[ref] = v
			}
			if v, ok := all.Woken[ref]; ok {
				if want.Woken == nil {
					want.Woken = map[provider.Ref]time.Time{}
				}
				want.Woken[ref] = v
			}
			if all.Vanished[ref] {
				if want.Vanished == nil {
					want.Vanished = map[provider.Ref]bool{}
				}
				want.Vanished[ref] = true
			}
		}
		if len(want.Started) < 2 || len(want.Inflight) == 0 || (w == time.Minute && (want.Woken == nil || want.Vanished == nil)) {
			t.Fatalf("window %s: the history does not exercise every entry: %+v", w, want)
		}
		if diff := cmp.Diff(want, some); diff != "" {
			t.Errorf("window %s: ActivityFor differs from Activity restricted to %v (-want +got):\n%s", w, refs, diff)
		}
	}
}

// TestLoadForIsLoadOfThoseFunctions: LoadFor gives each ref asked about
// exactly Load's entry (rps and capacity, both windows) and nothing about
// the others, and fails where Load fails.
func TestLoadForIsLoadOfThoseFunctions(t *testing.T) {
	clk, src := newSecondSource(t)
	ctx := context.Background()
	refs := []provider.Ref{fnRef("busy"), fnRef("gone"), fnRef("never"), fnRef("late")}
	if _, err := src.LoadFor(ctx, metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}, refs); !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("before any scrape: %v, want ErrUnavailable as Load", err)
	}
	for i := range 120 {
		smp := []Sample{
			{Metric: MetricTotal, FunctionName: "busy", Code: "200", Value: float64(3 * i)},
			{Metric: MetricTotal, FunctionName: "busy", Code: "500", Value: float64(i / 7)},
			{Metric: MetricInflight, FunctionName: "busy", Value: float64(i % 9)},
			{Metric: MetricTotal, FunctionName: "quiet", Code: "200", Value: 7},
			{Metric: MetricInflight, FunctionName: "quiet", Value: 1},
		}
		if i < 90 {
			smp = append(smp, Sample{Metric: MetricTotal, FunctionName: "gone", Code: "200", Value: float64(i)},
				Sample{Metric: MetricInflight, FunctionName: "gone", Value: float64(i % 3)})
		}
		if i > 112 {
			smp = append(smp, Sample{Metric: MetricTotal, FunctionName: "late", Code: "200", Value: float64(i)},
				Sample{Metric: MetricInflight, FunctionName: "late", Value: 2})
		}
		src.Observe(clk.t, smp)
		clk.t = clk.t.Add(time.Second)
	}
	clk.t = clk.t.Add(-time.Second / 2)
	for _, typ := range []string{metricsource.TypeRPS, metricsource.TypeCapacity} {
		for _, w := range []time.Duration{10 * time.Second, time.Minute} {
			q := metricsource.LoadQuery{Type: typ, Window: w}
			all, err := src.Load(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			some, err := src.LoadFor(ctx, q, refs)
			if err != nil {
				t.Fatal(err)
			}
			want := metricsource.Values{}
			for _, ref := range refs {
				if v, ok := all[ref]; ok {
					want[ref] = v
				}
			}
			if len(want) < 2 || want[fnRef("busy")] == 0 {
				t.Fatalf("%v: the history does not exercise LoadFor: %v", q, want)
			}
			if diff := cmp.Diff(want, some); diff != "" {
				t.Errorf("%v: LoadFor differs from Load restricted to %v (-want +got):\n%s", q, refs, diff)
			}
		}
	}
	_, errAll := src.Load(ctx, metricsource.LoadQuery{Type: metricsource.TypeCPU, Window: time.Minute})
	_, errSome := src.LoadFor(ctx, metricsource.LoadQuery{Type: metricsource.TypeCPU, Window: time.Minute}, refs)
	if errAll == nil || errSome == nil || errAll.Error() != errSome.Error() {
		t.Fatalf("an unavailable type: Load %v, LoadFor %v; want the same error", errAll, errSome)
	}
}

// TestSourceAnswersLocally: the idler asks the embedded source without a
// deadline per query (metricsource.Local); the Prometheus source is not.
func TestSourceAnswersLocally(t *testing.T) {
	src, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !metricsource.IsLocal(src) {
		t.Error("the embedded source is not metricsource.Local")
	}
}

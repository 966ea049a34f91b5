package scaler

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/faas-autoscaler/faas-autoscaler/internal/exposition"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var update = flag.Bool("update", false, "rewrite testdata/function_series.txt")

// functionSeriesFamilies are the families made from the loop's state, one
// series (or a few) per function.
var functionSeriesFamilies = []string{MetricAvailableReplicas, MetricDecisions, MetricDesiredReplicas,
	MetricMaxReplicas, MetricMinReplicas, MetricReplicas, MetricTargetLoad}

// functionSeriesText is the per-function families' text as a registry
// gathers them, in name order.
func functionSeriesText(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		for _, name := range functionSeriesFamilies {
			if mf.GetName() == name {
				if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return b.String()
}

// TestFunctionSeriesText: the per-function series say exactly what they
// said as client_golang const metrics (testdata/function_series.txt was
// written by that collector, before the series were streamed): the
// generated rules and the dashboards read them.
func TestFunctionSeriesText(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil,
			function(refA, 1, nil),
			function(refB, 3, map[string]string{LabelMin: "2", LabelMax: "8", LabelTarget: "10", LabelTargetProportion: "1"}),
			function(refC, 2, map[string]string{LabelType: TypeStep, LabelFactor: "20"}),
			function(provider.Ref{Name: "static", Namespace: "team"}, 3, map[string]string{LabelMin: "3", LabelMax: "3"}),
			function(provider.Ref{Name: "bad", Namespace: "team"}, 1, map[string]string{LabelMin: "many"}),
			function(provider.Ref{Name: "big", Namespace: "team"}, 1, map[string]string{LabelTarget: "2.5e6", LabelMax: "1000000"}))
		e.src.SetWindow("rps", DefaultStableWindow, refA, 200)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 60)
		e.src.Set("rps", refB, 30)
		for i := range 3 {
			if err := e.loop.Tick(t.Context(), time.Now().Add(time.Duration(i)*tickEvery)); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
		}
		// As /metrics writes it: streamed, byte for byte.
		var streamed bytes.Buffer
		bw := bufio.NewWriter(&streamed)
		if err := (fnSeries{l: e.loop}).WriteText(exposition.NewWriter(bw)); err != nil || bw.Flush() != nil {
			t.Fatal(err)
		}
		got := streamed.String()
		path := filepath.Join("testdata", "function_series.txt")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("per-function series changed:\n--- got\n%s\n--- want (%s)\n%s", got, path, want)
		}
		// As a registry gathers it, streamed (exposition.Registry) and on a
		// plain registry (parsed into const metrics).
		if g := functionSeriesText(t, e.reg); g != got {
			t.Errorf("exposition.Registry gathers:\n%s\nwant what it streams:\n%s", g, got)
		}
		plain := prometheus.NewRegistry()
		if err := exposition.Register(plain, fnSeries{l: e.loop}); err != nil {
			t.Fatal(err)
		}
		if g := functionSeriesText(t, plain); g != got {
			t.Errorf("a plain registry gathers:\n%s\nwant what is streamed:\n%s", g, got)
		}
		if !strings.Contains(got, `function_name="big.team"`) || !strings.Contains(got, `function_name="a.openfaas-fn"`) {
			t.Errorf("the golden text lacks a function:\n%s", got)
		}
	})
}

// TestFunctionSeriesAllocateNothingPerFunction: a scrape writes seven
// series a function; as const metrics each was a metric, its label pairs
// and the registry's copy (10 MB of garbage a scrape at 10,000
// functions). Streamed, a scrape allocates a snapshot, not per function.
func TestFunctionSeriesAllocateNothingPerFunction(t *testing.T) {
	const n = 1000
	var fns []provider.Function
	for i := range n {
		fns = append(fns, function(provider.Ref{Name: fmt.Sprintf("fn-%04d", i), Namespace: "openfaas-fn"}, 1, nil))
	}
	e := newLoopEnv(t, nil, fns...)
	if err := e.loop.Tick(t.Context(), t0); err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(io.Discard, 32<<10)
	w := exposition.NewWriter(bw)
	s := fnSeries{l: e.loop}
	allocs := testing.AllocsPerRun(5, func() {
		if err := s.WriteText(w); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 50 {
		t.Errorf("one scrape of %d functions allocates %v times, want at most 50 (nothing per function)", n, allocs)
	}
}

// TestFunctionSeriesFollowTheFleet: the scrape order is kept between
// scrapes (metrics.go), so a function that comes is written in its sorted
// place at the next scrape, one forgotten is not written, and a fleet that
// did not change is written in the same order without a sort.
func TestFunctionSeriesFollowTheFleet(t *testing.T) {
	ref := func(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }
	e := newLoopEnv(t, nil, function(ref("b"), 1, nil), function(ref("d"), 1, nil))
	names := func() string {
		t.Helper()
		if err := e.loop.Tick(t.Context(), t0); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		bw := bufio.NewWriter(&out)
		if err := (fnSeries{l: e.loop}).WriteText(exposition.NewWriter(bw)); err != nil || bw.Flush() != nil {
			t.Fatal(err)
		}
		var got []string
		for line := range strings.SplitSeq(out.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, MetricReplicas+`{function_name="`); ok {
				name, _, _ := strings.Cut(rest, ".")
				got = append(got, name)
			}
		}
		return strings.Join(got, " ")
	}
	for _, step := range []struct {
		change func()
		want   string
	}{
		{func() {}, "b d"},
		{func() {}, "b d"}, // the kept order
		{func() { e.prov.set(function(ref("a"), 1, nil)); e.prov.set(function(ref("c"), 1, nil)) }, "a b c d"},
		{func() { e.prov.remove(ref("b")) }, "a c d"},
		{func() { e.prov.set(function(ref("b"), 2, nil)) }, "a b c d"},
	} {
		step.change()
		if got := names(); got != step.want {
			t.Fatalf("functions written: %q, want %q", got, step.want)
		}
	}
}

// TestDecisionCountsWriteWhatTheyCounted: the counts are kept as (code
// index, uint32) pairs (codeindex.go); the decisions family must say what
// (ReasonCode, uint64) counts said: every code under its own reason, a
// function's reasons in name order whatever order they came in, and counts
// past 16 bits and up to 32 bits whole.
func TestDecisionCountsWriteWhatTheyCounted(t *testing.T) {
	type count struct {
		code ReasonCode
		n    uint64
	}
	l := &Loop{fns: map[provider.Ref]*fnState{}}
	want := map[provider.Ref][]count{}
	for f, k := range []int{1, 3, len(ReasonCodes)} {
		ref := provider.Ref{Name: fmt.Sprintf("fn-%d", f), Namespace: "openfaas-fn"}
		fs := &fnState{ref: ref, decided: true}
		for i := range k {
			// Newest codes first, so the order kept is not the order written.
			code := ReasonCodes[(len(ReasonCodes)-1-i+f)%len(ReasonCodes)]
			n := uint64(1 + i*7919 + f)
			if i == 1 {
				n = 1<<16 + 3
			}
			for range n {
				fs.counts = countDecision(fs.counts, code)
			}
			want[ref] = append(want[ref], count{code, n})
		}
		if f == 2 {
			// The largest count 32 bits hold (4.3 billion calls are too slow).
			fs.counts[0].n = 1<<32 - 1
			want[ref][0].n = 1<<32 - 1
		}
		l.fns[ref] = fs
	}
	// What the (ReasonCode, uint64) counts wrote.
	var expected bytes.Buffer
	bw := bufio.NewWriter(&expected)
	w := exposition.NewWriter(bw)
	w.Family(MetricDecisions, helpDecisions, "counter")
	for f := range 3 {
		ref := provider.Ref{Name: fmt.Sprintf("fn-%d", f), Namespace: "openfaas-fn"}
		cs := want[ref]
		slices.SortFunc(cs, func(a, b count) int { return strings.Compare(string(a.code), string(b.code)) })
		for _, c := range cs {
			w.Sample(MetricDecisions, float64(c.n), exposition.Label{Name: labelFunction, Value: ref.Name, Suffix: ref.Namespace},
				exposition.Label{Name: labelReason, Value: string(c.code)})
		}
	}
	if w.Err() != nil || bw.Flush() != nil {
		t.Fatal(w.Err())
	}
	var got bytes.Buffer
	bw = bufio.NewWriter(&got)
	if err := (fnSeries{l: l}).WriteText(exposition.NewWriter(bw)); err != nil || bw.Flush() != nil {
		t.Fatal(err)
	}
	family, _, _ := strings.Cut(got.String(), "# HELP "+MetricAvailableReplicas)
	if family != expected.String() {
		t.Errorf("decisions written:\n%s\nwant what (code, uint64) counts wrote:\n%s", family, expected.String())
	}
	if !strings.Contains(family, "4.294967295e+09") || !strings.Contains(family, " 65539\n") {
		t.Errorf("the test's large counts are not written:\n%s", family)
	}
}

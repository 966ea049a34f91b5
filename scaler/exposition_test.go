package scaler

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var update = flag.Bool("update", false, "rewrite testdata/function_series.txt")

// functionSeriesFamilies are the families made from the loop's state, one
// series (or a few) per function.
var functionSeriesFamilies = []string{MetricAvailableReplicas, MetricDecisions, MetricDesiredReplicas,
	MetricMaxReplicas, MetricMinReplicas, MetricReplicas, MetricTargetLoad}

// functionSeriesText is the per-function families' text as a registry
// gathers them, in name order.
func functionSeriesText(t *testing.T, e *loopEnv) string {
	t.Helper()
	mfs, err := e.reg.Gather()
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
		got := functionSeriesText(t, e)
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
		if !strings.Contains(got, `function_name="big.team"`) || !strings.Contains(got, `function_name="a.openfaas-fn"`) {
			t.Errorf("the golden text lacks a function:\n%s", got)
		}
	})
}

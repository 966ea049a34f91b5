package embedded

import (
	"log/slog"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRepeatsComparesNamesOfAFunctionListedByTwo: a function listed under
// its bare and its qualified name has no one name (function.name), so a
// sample of one name is not taken for a repeat of the other name's series
// at its place: the bare invocation counter, back at its place after a
// series of the bare name new to the page took it, is its own series, not
// the qualified one's (which, missing from the page, reads absent).
func TestRepeatsComparesNamesOfAFunctionListedByTwo(t *testing.T) {
	st := newStore("openfaas-fn", slog.New(slog.DiscardHandler))
	t0 := time.Unix(1_700_000_000, 0)
	const retention = time.Hour
	total := func(name string, v float64) Sample {
		return Sample{Metric: MetricTotal, FunctionName: name, Code: "200", Value: v}
	}
	st.ingest(t0, []Sample{total("f", 3), total("f.openfaas-fn", 3)}, retention, procUnknown)
	st.ingest(t0.Add(5*time.Second), []Sample{
		{Metric: MetricStarted, FunctionName: "f", Value: 1}, // made after both counters
		total("f", 3), // second of the run "f": the qualified counter's place
	}, retention, procUnknown)
	fn := st.fns[provider.Ref{Name: "f", Namespace: "openfaas-fn"}]
	if fn == nil {
		t.Fatal("function f not kept")
	}
	for i := range fn.series {
		s := &fn.series[i]
		if s.key.kind != kindTotal {
			continue
		}
		if absent := s.pts[len(s.pts)-1].absent(); absent != (s.key.name == "f.openfaas-fn") {
			t.Errorf("series %+v: absent %t, want only the qualified name's (missing from the page)", s.key, absent)
		}
	}
}

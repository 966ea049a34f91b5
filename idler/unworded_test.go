package idler

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestUnwordedReasonsReadAsWorded: a cycle leaves the reasons of active
// and in-flight verdicts unworded (work.decide); VerdictOf and the explain
// API read them worded as Decide words them, with this cycle's counts and
// keep-alive, for the cycle that made them and none after. Seen failing
// with VerdictOf returning the report's entry as it is (an empty reason),
// and with the explanation's count not kept.
func TestUnwordedReasonsReadAsWorded(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	e := newEnv(t, Config{},
		function("busy", 1, old, optIn(LabelZeroDuration, "2m")),
		function("held", 1, old, optIn()),
		function("both", 1, old, optIn(LabelZeroDuration, "90s")))
	e.src.invoke(ref("busy"))
	e.src.invoke(ref("both"))
	e.src.inflight[ref("held")] = 2.5
	e.src.inflight[ref("both")] = 7
	want := map[string]Verdict{
		"busy": {Code: CodeActive, Reason: "1 invocation(s) started in the last 2m0s"},
		"held": {Code: CodeInflight, Reason: "2.5 invocation(s) in flight"},
		"both": {Code: CodeInflight, Reason: "7 invocation(s) in flight"},
	}
	rep := e.d.RunOnce(t.Context(), time.Now())
	for name, w := range want {
		v, ok := rep.VerdictOf(ref(name))
		if !ok || v.Code != w.Code || v.Reason != w.Reason {
			t.Errorf("%s: VerdictOf = %q %q (%v); want %q %q", name, v.Code, v.Reason, ok, w.Code, w.Reason)
		}
		x, ok := e.d.Explain(ref(name))
		if !ok {
			t.Fatalf("%s: not explained", name)
		}
		if got := x.(Explanation); got.Code != w.Code || got.Reason != w.Reason {
			t.Errorf("%s: explained %q %q; want %q %q", name, got.Code, got.Reason, w.Code, w.Reason)
		}
	}
	// The next cycle words its own (in flight now 1, busy no more in flight).
	e.src.inflight[ref("held")] = 1
	next := e.d.RunOnce(t.Context(), time.Now())
	if v, _ := next.VerdictOf(ref("held")); v.Reason != "1 invocation(s) in flight" {
		t.Errorf("held, next cycle: %q; want 1 in flight", v.Reason)
	}
	if _, ok := rep.VerdictOf(provider.Ref{Name: "none", Namespace: "openfaas-fn"}); ok {
		t.Error("VerdictOf answered a function the cycle did not list")
	}
}

package idler

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestCycleKeepsExplanationWithoutFormatting: a cycle records every
// function's explanation, so it must not format what Explain can (the
// name, the keep-alive's words): that was two strings per function per
// cycle, kept until the next, at 10,000 functions. Explain still says them.
func TestCycleKeepsExplanationWithoutFormatting(t *testing.T) {
	fn := provider.Function{Ref: ref("f"), Replicas: 1, Labels: map[string]string{LabelZero: "true"}}
	w := &work{fn: fn, st: &fnState{}, in: Input{Ref: fn.Ref, Spec: ZeroSpec{OptIn: true}, Replicas: 1, KeepAlive: 7 * time.Minute},
		source: "label", v: Verdict{Code: CodeActive, Reason: "invoked 1m ago"}}
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	if n := testing.AllocsPerRun(100, func() { w.st.explain = explanation(w, now) }); n != 0 {
		t.Errorf("explanation allocates %v times per function per cycle, want 0", n)
	}

	d := &Idler{state: map[provider.Ref]*fnState{fn.Ref: w.st}}
	got, ok := d.Explain(fn.Ref)
	if !ok {
		t.Fatal("not explained")
	}
	e := got.(Explanation)
	if e.Function != fn.Ref.String() || e.KeepAlive != "7m0s" || e.KeepAliveSource != "label" || e.Reason != "invoked 1m ago" {
		t.Errorf("Explain = %+v: want the name, keep-alive 7m0s from the label and the verdict's reason", e)
	}
}

package idler

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestCycleKeepsExplanationWithoutFormatting: a cycle records every
// function's explanation, so it must not format what Explain can (the
// name, the keep-alive's words): that was two strings per function per
// cycle, kept until the next, at 10,000 functions. Explain still says them.
func TestCycleKeepsExplanationWithoutFormatting(t *testing.T) {
	fn := provider.Function{Ref: ref("f"), Replicas: 1, Labels: map[string]string{LabelZero: "true"}}
	w := &work{fn: &fn, st: &fnState{}, in: cycleInput{Spec: ZeroSpec{OptIn: true}, KeepAlive: 7 * time.Minute},
		source: "label", v: Verdict{Code: CodeActive, Reason: "invoked 1m ago"}}
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	if n := testing.AllocsPerRun(100, func() { w.st.explain = explanation(w, now, w.st.explain.more) }); n != 0 {
		t.Errorf("explanation allocates %v times per function per cycle, want 0", n)
	}

	d := &Idler{state: map[provider.Ref]*fnState{fn.Ref: w.st}, explained: true}
	got, ok := d.Explain(fn.Ref)
	if !ok {
		t.Fatal("not explained")
	}
	e := got.(Explanation)
	if e.Function != fn.Ref.String() || e.KeepAlive != "7m0s" || e.KeepAliveSource != "label" || e.Reason != "invoked 1m ago" {
		t.Errorf("Explain = %+v: want the name, keep-alive 7m0s from the label and the verdict's reason", e)
	}
}

// TestFunctionStateFitsItsSizeClass: the idler keeps one fnState per
// function between cycles (10,000 and 100,000 in the footprint benchmark),
// allocated from Go's 144-byte size class. It was 720 bytes (768) with the
// parsed Spec held by value (184 bytes; now a pointer to the parse's one)
// and an embedded Explanation's empty Function and KeepAlive strings; then
// 512 with the explanation's rarely set fields (activity, schedule, action:
// 176 bytes) inline and the last action kept twice; then 288 with the four
// times only opted-in or woken functions set (fnTimes) inline; then 208
// with the explanation's time (24 bytes: the cycle's, now kept once on the
// Idler), its Code as a string (16 bytes: now a byte), the first sight as
// a time.Time (24 bytes: now Unix nanoseconds) and the cycle number seen
// in a word of its own (now 32 bits beside the flags): 20.8 MB at 100,000
// functions, 14.4 MB now (BenchmarkKeptState).
func TestFunctionStateFitsItsSizeClass(t *testing.T) {
	if got := unsafe.Sizeof(fnState{}); got > 144 {
		t.Errorf("fnState is %d bytes, want at most 144 (share, don't copy; keep only what Explain cannot make)", got)
	}
}

// TestExplanationKeepsTheRareFieldsApart: a function with nothing rare to
// explain keeps no explainedMore; one with something reuses its own cycle
// after cycle (no allocation), and its last action outlives the cycle that
// did it, as Explain showed when fnState kept a copy.
func TestExplanationKeepsTheRareFieldsApart(t *testing.T) {
	fn := provider.Function{Ref: ref("f"), Replicas: 1}
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	w := &work{fn: &fn, st: &fnState{}, v: Verdict{Code: CodeNotOptedIn, Reason: "no"}}
	if x := explanation(w, now, nil); x.more != nil {
		t.Errorf("nothing rare: kept %+v", *x.more)
	}
	w.action = "scaled to zero"
	first := explanation(w, now, nil)
	if first.more == nil || first.more.lastAction != "scaled to zero" || !first.more.lastActionAt.Equal(now) {
		t.Fatalf("the action is not kept: %+v", first.more)
	}
	w.action = ""
	later := now.Add(time.Minute)
	var next explained
	if n := testing.AllocsPerRun(10, func() { next = explanation(w, later, first.more) }); n != 0 {
		t.Errorf("a kept explainedMore is not reused: %v allocations", n)
	}
	e := next.explanation(fn.Ref, later)
	if e.LastAction != "scaled to zero" || !e.LastActionAt.Equal(now) {
		t.Errorf("a later cycle without an action: Explain = %+v, want the earlier action at %v", e, now)
	}
}

// TestSpecIsParsedOnceAndShared: the kept parse is one Spec that later
// cycles read while the labels stay; a label change makes a new one.
func TestSpecIsParsedOnceAndShared(t *testing.T) {
	fn := provider.Function{Ref: ref("f"), Replicas: 1, Labels: map[string]string{LabelZero: "true"}}
	var c scaler.ParsedSpec
	d := scaler.DefaultDefaults()
	first, _, err := c.Of(&fn, &d, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s, _, _ := c.Of(&fn, &d, 1); s != first || !s.Zero {
		t.Errorf("same labels: parsed again (%p, was %p) or lost the opt-in (%+v)", s, first, s)
	}
	fn.Labels = map[string]string{LabelZero: "false"}
	if s, _, _ := c.Of(&fn, &d, 1); s == first || s.Zero || !first.Zero {
		t.Errorf("zero true → false: spec %+v (kept one now zero %v), want a new parse and the old one unchanged", s, first.Zero)
	}
}

// TestCycleWorkSharesTheSpec: a cycle holds one work item per function
// (one 10,000-item slice at 10,000 functions) from the listing to the
// scale-downs; none carries a copy of its function's parsed Spec (184
// bytes: 784 bytes an item with the copy), only what it needs of it, nor of
// the listed Function (88 bytes: 640 an item with it), nor a whole Input,
// whose name, counts and times the listing and the kept state hold (168
// bytes: 560 an item with them, 392 without).
func TestCycleWorkSharesTheSpec(t *testing.T) {
	wt, st, ft := reflect.TypeFor[work](), reflect.TypeFor[scaler.Spec](), reflect.TypeFor[provider.Function]()
	for i := range wt.NumField() {
		if f := wt.Field(i); f.Type == st {
			t.Errorf("a work item's %s is a %d-byte copy of the parsed Spec", f.Name, unsafe.Sizeof(scaler.Spec{}))
		} else if f.Type == ft {
			t.Errorf("a work item's %s is a %d-byte copy of the listed Function (point into the listing)", f.Name, unsafe.Sizeof(provider.Function{}))
		} else if f.Type == reflect.TypeFor[Input]() {
			t.Errorf("a work item's %s is a whole Input, copying what the listing and the state hold (assemble it for Decide)", f.Name)
		}
	}
	if got := unsafe.Sizeof(work{}); got > 392 {
		t.Errorf("a work item is %d bytes, want at most 392", got)
	}
}

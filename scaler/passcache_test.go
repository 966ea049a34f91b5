package scaler

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A pass that changes nothing decides quietly and refreshes the last record
// without words; the explain API words it from the inputs it was made on.
func TestQuietPassIsExplainedWithItsReason(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 4, map[string]string{LabelMax: "40"}))
	e.src.Set("rps", refA, 180)
	for i := range 3 {
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	f, ok := e.loop.Explain(refA)
	if !ok {
		t.Fatal("not explained")
	}
	if len(f.Decisions) != 1 {
		t.Fatalf("%d records for three passes that kept 4 replicas, want 1 refreshed: %+v", len(f.Decisions), f.Decisions)
	}
	d := f.Decisions[0]
	if !d.At.Equal(t0.Add(2*tickEvery)) || d.Replicas != 4 || d.Scale {
		t.Errorf("record %+v, want the last pass keeping 4", d)
	}
	if !strings.Contains(d.Reason, "180") || !strings.Contains(d.Reason, "keep 4") {
		t.Errorf("reason %q, want the load and the kept count", d.Reason)
	}
}

// The labels' parse is reused only while the labels and the defaults are
// the ones it was made from.
func TestSpecParsedAgainWhenLabelsOrDefaultsChange(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 8, map[string]string{LabelMax: "40"}), function(refB, 8, nil))
	e.src.Set("rps", refA, 360)
	e.src.Set("rps", refB, 360)
	tick := func(i int) {
		t.Helper()
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	tick(0)
	if err := e.prov.SetLabels(refA, map[string]string{LabelMax: "3"}); err != nil {
		t.Fatal(err)
	}
	tick(1)
	if got := e.prov.replicas(refA); got != 3 {
		t.Errorf("%s has %d replicas after its max became 3, want 3", refA, got)
	}
	d := DefaultDefaults()
	d.Max = 5
	if err := e.loop.SetTuning(d, DefaultStableWindow, DefaultBurstWindow); err != nil {
		t.Fatal(err)
	}
	tick(2)
	if got := e.prov.replicas(refB); got != 5 {
		t.Errorf("%s has %d replicas after the default max became 5, want 5", refB, got)
	}
}

// A function forgotten and deployed again starts a new state, even when the
// last pass's states (reused by position) still hold the old one.
func TestFunctionRedeployedAfterRemovalIsKnownAgain(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 2, nil), function(refB, 2, nil))
	tick := func(i int) {
		t.Helper()
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	tick(0)
	e.prov.remove(refA)
	// An alert's evaluation finds it gone and forgets it, with no pass since.
	if _, err := e.loop.EvaluateNow(t.Context(), refA, nil, t0.Add(tickEvery)); !errors.Is(err, ErrUnknownFunction) {
		t.Fatalf("evaluating a removed function: %v, want ErrUnknownFunction", err)
	}
	if _, ok := e.loop.Explain(refA); ok {
		t.Fatalf("%s still known after its removal", refA)
	}
	e.prov.set(function(refA, 2, nil))
	tick(2)
	f, ok := e.loop.Explain(refA)
	if !ok {
		t.Fatalf("%s unknown after it was deployed again", refA)
	}
	if len(f.Decisions) != 1 || !f.Decisions[0].At.Equal(t0.Add(2*tickEvery)) {
		t.Errorf("decisions %+v, want the new state's one", f.Decisions)
	}
}

package scaler

import (
	"strings"
	"testing"
	"time"
)

// TestExplainInvalidSpecRecordHasItsWords: a function whose labels do not
// parse is recorded invalid_spec at every pass; a quiet pass records a
// decision that changes nothing without words (apply.go), which the explain
// API words from the inputs, but only for a spec that parsed: the list and
// the decisions showed "code": "invalid_spec", "reason": "". The record
// keeps the label error as its reason.
func TestExplainInvalidSpecRecordHasItsWords(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 1, map[string]string{LabelMax: "abc"}))
	for i := range 3 {
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	f, ok := e.loop.Explain(refA)
	if !ok || len(f.Decisions) == 0 {
		t.Fatalf("not explained: %+v", f)
	}
	for _, d := range f.Decisions {
		if d.Code != string(CodeInvalidSpec) || !strings.Contains(d.Reason, LabelMax) || !strings.Contains(d.Reason, `"abc"`) {
			t.Errorf("decision %+v; want invalid_spec with the label error as its reason", d)
		}
	}
}

package scaler

import (
	"strings"
	"testing"
	"time"
)

// A quiet tick decides without words (Observation.quiet) and the explain
// API words the last record from the kept inputs when its reason is empty.
// The burst branch of Decide formats its reason even when quiet, from empty
// head words: "; burst 200  needs 5 (burst since …) → 5". A refreshed
// record took that partial reason as it was (only a new record's was
// cleared), so the explain API and `make run`'s view showed it instead of
// the decision's words. Here: 200 rps on 1 replica bursts to 5 (tick 1),
// tick 2 keeps 5 in burst mode (a new record), tick 3 says the same
// (refreshes it): its reason must be whole.
func TestExplainRefreshedBurstRecordHasItsWords(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 1, map[string]string{LabelDownWindow: "90s", LabelMax: "40"}))
	e.src.Set("rps", refA, 200)
	for i := range 3 {
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	f, ok := e.loop.Explain(refA)
	if !ok {
		t.Fatal("not explained")
	}
	if len(f.Decisions) != 2 || f.Decisions[0].Code != string(CodeBurst) || f.Decisions[0].Scale {
		t.Fatalf("decisions, newest first: %+v; want the burst scale-up and one kept burst record", f.Decisions)
	}
	d := f.Decisions[0]
	if !strings.HasPrefix(d.Reason, "rps 200") || strings.Contains(d.Reason, "  ") {
		t.Errorf("the refreshed burst record says %q; want the decision's whole words (rps 200 …, burst 200 over …)", d.Reason)
	}
}

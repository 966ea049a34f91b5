package scaler

import (
	"strings"
	"testing"
	"time"
)

// history.go Record.Reason: "(empty: a quiet pass refreshed the record;
// Explain words it again from the kept inputs)"; apply.go: "A quiet
// decision that changes nothing and says what the last record says
// refreshes that record without words; the explain API words it from the
// inputs kept". DESIGN.md: every decision returns "the number *and a
// reason*", shown by the explain API.
//
// Explain words only the LAST record; the inputs it words from are only
// the last decision's. A record refreshed quietly by a tick and then
// followed by a different decision is no longer last; it once stayed in
// the history with an empty reason, and the explain API showed a decision
// without words. Here: ticks 1–2 keep 4 replicas at 180 rps (within
// tolerance; tick 2 refreshes the record without words), tick 3 sees the
// load vanish ("no rps load: keep 4", a new record). The older record must
// still say why it kept 4, with tick 2's numbers.
func TestExplainOlderRefreshedRecordHasWords(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 4, map[string]string{LabelMax: "40"}))
	e.src.Set("rps", refA, 180)
	for i := range 2 {
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	e.src.Delete("rps", refA)
	if err := e.loop.Tick(t.Context(), t0.Add(2*tickEvery)); err != nil {
		t.Fatal(err)
	}
	f, ok := e.loop.Explain(refA)
	if !ok {
		t.Fatal("not explained")
	}
	if len(f.Decisions) != 2 {
		t.Fatalf("decisions %+v, want 2 (the refreshed keep and the no-data keep)", f.Decisions)
	}
	for i, d := range f.Decisions {
		if d.Reason == "" {
			t.Errorf("decision %d (at %v, %d → %d, %s) has no reason in the explain answer", i, d.At, d.Current, d.Replicas, d.Code)
		}
	}
	if old := f.Decisions[1]; !strings.Contains(old.Reason, "rps 180") || !strings.Contains(old.Reason, "within ±10%") {
		t.Errorf("the refreshed record says %q; want tick 2's words (rps 180, within ±10%%)", old.Reason)
	}
}

// A quiet tick's new record (one that does not refresh the last) starts
// without words too, worded when the next record follows it or the explain
// API shows it. Here every tick adds a record: 180 rps keeps 4, the load
// vanishes, 185 rps keeps 4 again. Each must say why, with its own numbers.
func TestExplainNewQuietRecordsHaveWords(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 4, map[string]string{LabelMax: "40"}))
	for i, rps := range []float64{180, -1, 185} {
		if rps < 0 {
			e.src.Delete("rps", refA)
		} else {
			e.src.Set("rps", refA, rps)
		}
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	f, ok := e.loop.Explain(refA)
	if !ok {
		t.Fatal("not explained")
	}
	if len(f.Decisions) != 3 {
		t.Fatalf("decisions %+v, want 3", f.Decisions)
	}
	// Newest first.
	for i, want := range []string{"rps 185", "no rps load", "rps 180"} {
		if d := f.Decisions[i]; !strings.Contains(d.Reason, want) {
			t.Errorf("decision %d (at %v, %s) says %q, want its words (%s)", i, d.At, d.Code, d.Reason, want)
		}
	}
}

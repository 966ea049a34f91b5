package metricsource

import (
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

// TestTotalsDiffLateAfterBase: with LateAfterBase, a series first seen in
// the read right after the base may have been missing from it (a failed
// scrape) and counts late, unless it replaced a series of its function the
// base held (a restart in place); a series first seen later counts on
// time.
func TestTotalsDiffLateAfterBase(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	d := TotalsDiff{LateAfterBase: true}
	if got := d.Add([]Total{{refA, 1, 10, 0}, {refB, 2, 5, 0}}, t0, nil); len(got) != 0 {
		t.Fatalf("the base counted %v", got)
	}
	// a: series 1 gone, series 3 new (a restart in place); b: up by 1;
	// c: first seen, missing from the base or new.
	got := d.Add([]Total{{refA, 3, 2, 0}, {refB, 2, 6, 0}, {refC, 4, 40, 0}}, t0.Add(15*time.Second), nil)
	want := []Count{{Ref: refA, N: 2}, {Ref: refB, N: 1}, {Ref: refC, N: 40, Late: true}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("right after the base (-want +got):\n%s", diff)
	}
	got = d.Add([]Total{{refA, 3, 2, 0}, {refB, 2, 6, 0}, {refC, 4, 40, 0}, {refC, 5, 1, 0}}, t0.Add(30*time.Second), nil)
	if diff := gocmp.Diff([]Count{{Ref: refC, N: 1}}, got); diff != "" {
		t.Errorf("a series first seen later (-want +got):\n%s", diff)
	}
}

// TestTotalsDiffAddPartKeepsTheStepAfterTheBase: a step split by AddPart is
// still the step right after the base for LateAfterBase: a series missing
// from the base and from the part read, first seen in the read that ends
// the step, may be a failed scrape's and counts late, as it would unsplit;
// a series of a function whose series went missing since the base (a
// restart in place after the part read) counts on time. The read after that
// step is not after the base any more.
func TestTotalsDiffAddPartKeepsTheStepAfterTheBase(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	d := TotalsDiff{LateAfterBase: true}
	d.Add([]Total{{refA, 1, 10, 0}, {refB, 2, 5, 0}}, t0, nil)
	got := d.AddPart([]Total{{refA, 1, 11, 0}, {refB, 2, 5, 0}}, t0.Add(5*time.Second), nil)
	if diff := gocmp.Diff([]Count{{Ref: refA, N: 1}}, got); diff != "" {
		t.Errorf("the part read (-want +got):\n%s", diff)
	}
	// a: series 1 gone, series 3 new (restarted in place after the part
	// read); c: first seen.
	got = d.Add([]Total{{refA, 3, 2, 0}, {refB, 2, 6, 0}, {refC, 4, 40, 0}}, t0.Add(15*time.Second), nil)
	want := []Count{{Ref: refA, N: 2}, {Ref: refB, N: 1}, {Ref: refC, N: 40, Late: true}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("the read ending the split step (-want +got):\n%s", diff)
	}
	got = d.Add([]Total{{refA, 3, 2, 0}, {refB, 2, 6, 0}, {refC, 4, 40, 0}, {refC, 5, 1, 0}}, t0.Add(30*time.Second), nil)
	if diff := gocmp.Diff([]Count{{Ref: refC, N: 1}}, got); diff != "" {
		t.Errorf("a series first seen in the step after (-want +got):\n%s", diff)
	}
}

// TestTotalsDiffLateAfterBaseTrustsAGatewayReadInTheBase: right after the
// base, a series whose gateway the base read (GatewaySeen at the base's
// time) was not in it because it did not exist then: made since by its
// function's first calls, which count on time and may start an idle time.
// One whose gateway was last seen before the base (its scrape failed
// then) may be stale, and stays late.
//
// Seen failing before the GatewaySeen check: "{Ref: c, N: 1, Late: true}"
// for the series of the gateway the base read.
func TestTotalsDiffLateAfterBaseTrustsAGatewayReadInTheBase(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	before := t0.Add(-15 * time.Second).UnixNano()
	d := TotalsDiff{LateAfterBase: true}
	d.Add([]Total{{refA, 1, 10, before}}, t0, nil)
	got := d.Add([]Total{{refA, 1, 10, t0.UnixNano()}, {refB, 2, 40, before}, {refC, 3, 1, t0.UnixNano()}}, t0.Add(15*time.Second), nil)
	want := []Count{{Ref: refB, N: 40, Late: true}, {Ref: refC, N: 1}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("right after the base (-want +got):\n%s", diff)
	}
}

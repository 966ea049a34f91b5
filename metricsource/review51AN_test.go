package metricsource

import (
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

// TestReview51ANSeriesMissingFromARebasedBaseCountsLate: Rebase says the
// time since the last read "is not to be counted (it is unknown, or too
// long ago to place its calls)", and that a series missing from the base
// read that follows "is still counted from" its kept value. Counted from
// a value an hour old, its calls are the hour's, placed in the one step
// after the base: they must be Late (as a series back after missing from
// Late reads is), not calls of that step. Add counts how many reads it
// missed (one: the base), which a Rebase does not advance, so the count
// is not Late and the keep-alive learns the next idle time from a call
// placed in the wrong hour.
//
// Cause: metricsource/totals.go, Add's `Late: known && d.reads-prev.read-1
// >= late`: a value kept across a Rebase is not told apart.
func TestReview51ANSeriesMissingFromARebasedBaseCountsLate(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	d := TotalsDiff{Late: 4}
	d.Add([]Total{{refA, 1, 5, 0}, {refB, 2, 5, 0}}, t0, nil)
	d.Add([]Total{{refA, 1, 5, 0}, {refB, 2, 5, 0}}, t0.Add(15*time.Second), nil)
	// An hour unread (the feeder's reads failed), then a base.
	d.Rebase()
	d.Add([]Total{{refA, 1, 9, 0}}, t0.Add(time.Hour), nil) // b missing from the base
	got := d.Add([]Total{{refA, 1, 9, 0}, {refB, 2, 8, 0}}, t0.Add(time.Hour+15*time.Second), nil)
	want := []Count{{Ref: refB, N: 3, Late: true}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("b, missing from the base after an hour unread, back 3 calls up (-want +got):\n%s", diff)
	}
}

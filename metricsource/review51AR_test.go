package metricsource

import (
	"testing"
	"time"
)

// TestReview51ARLateSpanRingSlotOverwritten: LateSpan is "how long a
// series may be missing, by the reads' times", and lateTimes' comment says
// a series missing from more reads than the ring holds "is late by Late
// anyway". Neither holds when Late is above 63 (a fast-reading user of
// TotalsDiff: Late counts reads, LateSpan time). Add writes this read's
// time into times[reads%64] before late() looks up times[prev%64]: with
// 63 reads missed, prev%64 == reads%64, so the slot holds this read's own
// time, the span is 0 and a series unseen for 64 s (LateSpan 30 s) is not
// late; with 64 to Late-1 missed, late() returns false without looking.
// Expected: Late (missing for longer than LateSpan) in both cases. Cause:
// metricsource/totals.go late(): `missed < lateTimes` should be
// `missed < lateTimes-1` (or the time read before it is overwritten), and
// beyond the ring a series should be late when LateSpan is set (its span
// is at least as many reads as the ring holds).
func TestReview51ARLateSpanRingSlotOverwritten(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	for _, missed := range []int{63, 70} {
		d := TotalsDiff{Late: 100, LateSpan: 30 * time.Second}
		d.Add([]Total{{refA, 1, 5, 0}, {refB, 2, 5, 0}}, t0, nil) // base: both seen
		at := t0
		for i := 0; i < missed; i++ { // b missing, a read every second
			at = at.Add(time.Second)
			d.Add([]Total{{refA, 1, 5, 0}}, at, nil)
		}
		at = at.Add(time.Second)
		got := d.Add([]Total{{refA, 1, 5, 0}, {refB, 2, 8, 0}}, at, nil)
		if len(got) != 1 || got[0].Ref != refB || !got[0].Late {
			t.Errorf("b missing from %d reads over %s (LateSpan 30s, Late 100), back 3 up: counted %+v, want Late", missed, at.Sub(t0), got)
		}
	}
}

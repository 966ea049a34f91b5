package idler

import (
	"testing"
	"time"
)

// TestObserveAsksThisCyclesWindowsOnly: observe's grouping by window is
// kept from one cycle to the next (Idler.byWindow), and a window only the
// last cycle had is not asked about again, nor kept; the kept groups point
// at no item. Seen failing with the windows taken from every kept group
// (an empty 1m query in the second cycle), and with the groups kept
// uncleared.
func TestObserveAsksThisCyclesWindowsOnly(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	e := newEnv(t, Config{},
		function("quiet", 1, old, optIn(LabelZeroDuration, "1m")),
		function("busy", 1, old, optIn(LabelZeroDuration, "2m")))
	e.src.invoke(ref("busy"))
	rep := e.d.RunOnce(t.Context(), time.Now())
	if len(rep.Idled) != 1 || rep.Queries != 3 {
		t.Fatalf("first cycle: idled %v in %d queries; want quiet, in 3 (1m, 2m, the re-check)", rep.Idled, rep.Queries)
	}
	asked := len(e.src.queries())
	rep = e.d.RunOnce(t.Context(), time.Now()) // quiet at zero: not asked about
	if got := e.src.queries()[asked:]; len(got) != 1 || got[0] != 2*time.Minute || rep.Queries != 1 {
		t.Fatalf("second cycle asked over %v (%d queries); want 2m alone", got, rep.Queries)
	}
	if _, ok := e.d.byWindow[time.Minute]; ok || len(e.d.byWindow) != 1 {
		t.Errorf("kept groups %v; want 2m's alone", e.d.byWindow)
	}
	for win, of := range e.d.byWindow {
		if len(of) != 0 || cap(of) == 0 || of[:cap(of)][0] != nil {
			t.Errorf("window %s kept as %d items of an array of %d; want an empty array pointing at nothing", win, len(of), cap(of))
		}
	}
}

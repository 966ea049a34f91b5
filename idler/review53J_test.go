package idler

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview53J_NotOptedInFunctionWhoseErroredZeroLandedIsExplainedAsListed:
// the README (explain API) says of a term's first idler cycle: "a function
// not opted in, or whose labels do not parse, is explained as soon as that
// cycle lists it, unless it has a min-schedule or is at zero with
// --maintain-min". answersAsListed has a third, undocumented exception: a
// function with a scale to zero answered with an error pending (zeroFrom)
// that the listing shows at zero (landed). Such a function (opted out
// since; no min-schedule, no --maintain-min) stays pending through the
// whole first cycle, though its verdict (not_opted_in) is its labels' alone
// and the landing's words could be its explanation's last action as well
// at listing as at the cycle's end.
func TestReview53J_NotOptedInFunctionWhoseErroredZeroLandedIsExplainedAsListed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-48 * time.Hour)
		e := newEnvOn(t, memory.Options{}, Config{},
			function("busy", 1, old, optIn()), // an item with a query: the hook below runs mid-cycle
			function("f", 0, old, nil),        // opted out since its scale to zero
		)
		e.src.invoke(ref("busy"))
		e.d.RunOnce(t.Context(), time.Now()) // the state of both exists
		// f's last scale to zero (when it was opted in) was answered with
		// an error; the listing shows it at zero: it landed.
		e.d.state[ref("f")].setTimes().zeroFrom = 2

		e.d.NewTerm() // a new leadership term: its first cycle explains
		var during any
		var duringOK bool
		e.src.onQuery = func(int) { during, duringOK = e.d.Explain(ref("f")) }
		time.Sleep(time.Minute)
		rep := e.d.RunOnce(t.Context(), time.Now())
		if len(e.src.windows) < 2 {
			t.Fatal("control: the term's first cycle asked no activity")
		}
		if v, _ := rep.VerdictOf(ref("f")); v.Code != CodeNotOptedIn {
			t.Fatalf("control: f's verdict %+v; want not_opted_in", v)
		}
		if x, isEx := during.(Explanation); !duringOK || !isEx || x.Code != CodeNotOptedIn {
			t.Errorf("during the term's first cycle, f (not opted in, serving none, no min-schedule, no --maintain-min) is %#v, %v; want its not_opted_in explanation as listed (README)", during, duringOK)
		}
	})
}

package idler

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestRecheckWindowCoversSinceTheFirstQuery: the re-check before scaling
// to zero asked over the shortest candidate window only, on the claim that
// it "still covers the time since the first query". It did not when the
// cycle's queries (one per distinct keep-alive, run one after another)
// took longer together than that shortest window. Here three keep-alives
// (20s, 1h, 2h) are asked about, each query taking 12 s; "long" (1h
// keep-alive) is called right after its own query was evaluated. The
// re-check, 24 s after that call, read only the last 20 s: the call was in
// neither answer, and "long" was scaled to zero 24 s after a call in spite
// of its 1h keep-alive. The re-check now reaches back to before the first
// query. Found by a review (helper-118).
func TestRecheckWindowCoversSinceTheFirstQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-48 * time.Hour)
		e := newEnvOn(t, memory.Options{}, Config{},
			function("short", 1, old, optIn(LabelZeroDuration, "20s")),
			function("long", 1, old, optIn(LabelZeroDuration, "1h")),
			function("longer", 1, old, optIn(LabelZeroDuration, "2h")),
		)
		// Every function was called once, days ago: each has a series.
		e.src.mu.Lock()
		for _, n := range []string{"short", "long", "longer"} {
			e.src.last[ref(n)] = old
		}
		e.src.mu.Unlock()
		e.src.onQuery = func(n int) {
			switch n {
			case 1, 3: // the 20s and 2h windows: slow queries
				time.Sleep(12 * time.Second)
			case 2: // the 1h window: "long" is called just after it was evaluated
				e.src.invoke(ref("long"))
				time.Sleep(12 * time.Second)
			}
		}
		start := time.Now()
		rep := e.d.RunOnce(t.Context(), start)
		if rep.Err != nil {
			t.Fatal(rep.Err)
		}
		if got := e.p.replicas(ref("long")); got != 1 {
			v := verdictOf(rep, ref("long"))
			t.Fatalf("long (1h keep-alive) scaled to %d at +%s, %s after a call: verdict %s %q; windows asked %v",
				got, time.Since(start), time.Since(start)-12*time.Second, v.Code, v.Reason, e.src.queries())
		}
	})
}

package embedded

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestCoveredFromTheGapsIsTheWalk: covered answers from the listed gaps
// what walking the scrapes answers, through random scrape histories with
// gaps (some longer than allowed, some exactly as long) and the pruning of
// old scrapes, for windows ending at and between scrapes.
func TestCoveredFromTheGapsIsTheWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const every = 5 * time.Second
	maxGap := every * 5 / 2
	for run := range 100 {
		st := newStore("openfaas-fn", nil)
		st.gaps.over = maxGap.Nanoseconds()
		retention := time.Duration(1+rng.IntN(30)) * time.Minute
		at := time.Unix(1_700_000_000, 0)
		for scrape := range 600 {
			switch r := rng.IntN(40); {
			case r == 0:
				at = at.Add(time.Duration(3+rng.IntN(100)) * every) // a gap longer than allowed
			case r == 1:
				at = at.Add(maxGap) // as long as allowed: no gap
			default:
				at = at.Add(every)
			}
			st.ingest(at, nil, retention, procUnknown)
			for range 3 {
				now := at.Add(-time.Duration(rng.Int64N(int64(2 * every))))
				window := time.Duration(1+rng.IntN(40)) * time.Minute
				got := st.covered(now, window, maxGap)
				st.gaps.over = 0 // the walk
				want := st.covered(now, window, maxGap)
				st.gaps.over = maxGap.Nanoseconds()
				if got != want {
					t.Fatalf("run %d, scrape %d: covered(%v, %v) from the gaps %q, walking the scrapes %q", run, scrape, now, window, got, want)
				}
			}
		}
		if len(st.gaps.gaps) > 0 && st.gaps.gaps[0].end <= st.scrapes[0] {
			t.Fatalf("run %d: a gap ending at %d kept, the first scrape held is at %d", run, st.gaps.gaps[0].end, st.scrapes[0])
		}
	}
}

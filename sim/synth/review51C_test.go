package synth

import "testing"

// TestReview51CRareGapsAndCallsAsStated pins what Rare's doc promises and
// no other test checks: a rare function is called once to thrice at a time
// (1–3 calls in an active minute), after idle times from a Pareto law of
// scale at least 5 min (no two active minutes closer than 5 minutes),
// whatever the seed.
func TestReview51CRareGapsAndCallsAsStated(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		tr, err := Generate(Spec{Kind: Rare, Seed: seed, Functions: 50, Minutes: DefaultMinutes})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range tr.Functions {
			last := -1
			for m, c := range f.PerMinute {
				if c == 0 {
					continue
				}
				if c > 3 {
					t.Fatalf("seed %d %s minute %d: %d calls, want 1–3", seed, f.ID, m, c)
				}
				if last >= 0 && m-last < 5 {
					t.Fatalf("seed %d %s: calls at minutes %d and %d, want idle times of at least 5 min", seed, f.ID, last, m)
				}
				last = m
			}
		}
	}
}

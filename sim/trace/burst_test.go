package trace

import "testing"

// TestBurstCanUseEverySecond: Burst puts a minute's calls in "one random
// second of the minute"; a minute has 60 seconds, 0..59, so each must be
// chosen with probability 1/60. (Drawing the start as floor(U × 59) never
// chose second 59 and gave the others 1/59 each.)
//
// Hand-computed expectation: over 6000 independent minutes of one call,
// second 59 ([59 s, 60 s)) holds about 100 of them (binomial, σ ≈ 10);
// requiring at least 50 is a > 5σ margin. Every offset stays below 60 s:
// the minute's calls belong to the minute.
func TestBurstCanUseEverySecond(t *testing.T) {
	rng := NewRNG(11, 0)
	var buf []float64
	last := 0
	for i := 0; i < 6000; i++ {
		buf = Burst.Minute(rng, 1, buf)
		if buf[0] >= 60 {
			t.Fatalf("offset %v s, want below 60", buf[0])
		}
		if buf[0] >= 59 {
			last++
		}
	}
	if last < 50 {
		t.Errorf("%d of 6000 one-call bursts in second 59, want about 100", last)
	}
}

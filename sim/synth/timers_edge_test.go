package synth

import "testing"

// TestTimersEdgesKeepTheirFirings: a timer fires every period, each
// firing a minute early or late with probability 0.2, so every minute of the
// day expects the same share of firings, the first and last included (a
// real day's first minute holds the previous day's last firing when it ran
// a minute late, and its last minute the next day's first when it ran
// early). timers only draws firings scheduled inside [0, Minutes), so a
// firing jittered into the day from just outside it is never generated,
// and the first and last minutes get about 10 % fewer invocations than any
// other (0.9 of the interior's mean, here over 20,000 timer functions).
func TestTimersEdgesKeepTheirFirings(t *testing.T) {
	const minutes = 60
	tr, err := Generate(Spec{Kind: Timers, Seed: 1, Functions: 20000, Minutes: minutes})
	if err != nil {
		t.Fatal(err)
	}
	per := make([]float64, minutes)
	for _, f := range tr.Functions {
		for m, c := range f.PerMinute {
			per[m] += float64(c)
		}
	}
	var interior float64
	for _, c := range per[1 : minutes-1] {
		interior += c
	}
	interior /= minutes - 2
	edge := (per[0] + per[minutes-1]) / 2
	// Counting noise on ~5,000 firings a minute is about 1.5 %.
	if edge < 0.96*interior {
		t.Errorf("first and last minutes hold %.0f and %.0f firings, %.3f of an interior minute's mean %.0f: "+
			"firings jittered in from outside the day are lost", per[0], per[minutes-1], edge/interior, interior)
	}
}

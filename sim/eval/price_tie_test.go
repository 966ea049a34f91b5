package eval

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestP75PriceNeverBelowZeroAtAnExactTie: the p75 price is the idle
// a keep-alive "never shorter than fixed-10m's" adds, so it cannot be
// negative. Here one function's cold ratio under the 10-minute keep-alive
// (15 of 110 = 3/22) is exactly half the p75 ratio (3/11): it meets the
// clause and costs nothing. In floating point 0.5×(3/11)×110 is
// 14.999999999999998, so priceOf's first test (15 ≤ θn) fails while its
// rounding (floor(θn+1e-9) = 15 allowed) keeps the function at 15 cold
// starts with the 15th-longest gap as keep-alive: a gap inside one
// minute's calls, far below 10 minutes. That function's "price" is then
// thousands of seconds negative and the cell's price comes out below 0.
// Found by a review helper.
func TestP75PriceNeverBelowZeroAtAnExactTie(t *testing.T) {
	const minutes = 340
	clusters := func(sizes ...uint32) []uint32 {
		pm := make([]uint32, minutes)
		for i, n := range sizes {
			pm[i*20] = n // 20 minutes apart: every gap between them is > 10 min
		}
		return pm
	}
	// 15 clusters, 110 calls: 15 cold starts at 10 minutes.
	f0 := []uint32{12}
	for range 14 {
		f0 = append(f0, 7)
	}
	tr := &trace.Trace{Minutes: minutes, Functions: []trace.Function{
		{ID: "tie", PerMinute: clusters(f0...)},     // 15/110 = 3/22: meets θ exactly
		{ID: "p75-a", PerMinute: clusters(4, 4, 3)}, // 3/11
		{ID: "p75-b", PerMinute: clusters(4, 4, 3)}, // 3/11
		{ID: "single", PerMinute: clusters(1)},      // 1/1
	}}
	extra, ok := P75Price(tr, 0, minutes, 3, trace.Uniform, 10*time.Minute)
	if !ok {
		t.Fatal("P75Price: out of reach, want a price")
	}
	if extra < 0 {
		t.Errorf("P75Price = %.1f s: negative, a keep-alive shorter than fixed-10m's was priced (want ≥ 0: the tie function costs nothing)", extra)
	}
}

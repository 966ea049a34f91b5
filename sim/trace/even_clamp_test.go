package trace

import (
	"math/rand/v2"
	"testing"
)

// topSource makes rand.Rand.Float64 return its largest value, 1 − 2⁻⁵³:
// the top draw of any generator, which a seeded PCG also makes (rarely).
// A real source cannot be steered there in a fast test.
type topSource struct{}

func (topSource) Uint64() uint64 { return ^uint64(0) }

// TestEvenOffsetsStayInMinute: Minute promises offsets "in seconds within
// [0, 60)", and Uniform and Burst clamp to lastInstant for exactly this
// reason (a call at 60 s is the next minute's first instant: in the
// replay's last minute it is at the end, and lost). Even must too:
// phase + (n−1)·step rounds to 60 when the phase draw is at the top.
// Seen failing before the fix: "even, 2 calls, top phase draw: last offset
// 60 s, want below 60" (and the same for 3, 7 and 1000 calls).
func TestEvenOffsetsStayInMinute(t *testing.T) {
	for _, n := range []uint32{2, 3, 7, 1000} {
		buf := Even.Minute(rand.New(topSource{}), n, nil)
		if len(buf) != int(n) {
			t.Fatalf("even, %d calls: %d offsets", n, len(buf))
		}
		for i := 1; i < len(buf); i++ {
			if buf[i] < buf[i-1] {
				t.Fatalf("even, %d calls: offsets out of order at %d: %v, %v", n, i, buf[i-1], buf[i])
			}
		}
		if last := buf[len(buf)-1]; last >= 60 {
			t.Errorf("even, %d calls, top phase draw: last offset %v s, want below 60", n, last)
		}
	}
}

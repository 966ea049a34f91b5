package trace

import (
	"math/rand/v2"
	"testing"
)

// scripted is a rand.Source that returns its values in turn, then zeros.
type scripted struct {
	v []uint64
	i int
}

func (s *scripted) Uint64() uint64 {
	if s.i >= len(s.v) {
		return 0
	}
	s.i++
	return s.v[s.i-1]
}

// TestUniformOffsetsStayInMinute: Minute promises offsets in [0, 60).
// math/rand/v2's ExpFloat64 returns exactly 0 when the source's low 32 bits
// are 0 (j = 0 < ke[i]: about one draw in 2³²). When that draw is the
// closing spacing (total), the Uniform branch divides the last arrival's
// sum by itself and places it at exactly 60 s: the next minute's first
// instant, and past the end of the replay in a trace's last minute. The
// Burst branch already clamps to lastInstant for the same reason.
func TestUniformOffsetsStayInMinute(t *testing.T) {
	// First draw: i = 5, j = 0x10000000 < ke[5], an ordinary spacing > 0;
	// second draw: u = 0, a spacing of exactly 0.
	rng := rand.New(&scripted{v: []uint64{5<<32 | 0x10000000, 0}})
	got := Uniform.Minute(rng, 1, nil)
	if len(got) != 1 || !(got[0] >= 0 && got[0] < 60) {
		t.Fatalf("Uniform.Minute(1 call) = %v, want one offset in [0, 60)", got)
	}
}

package trace

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ArrivalModel says where, inside a minute, a minute's invocations start. The
// trace only has counts per minute; the model is part of every result.
type ArrivalModel string

const (
	// Uniform places the minute's n invocations at independent uniform random
	// instants (a Poisson process conditioned on its count). Default.
	Uniform ArrivalModel = "uniform"
	// Even spaces them evenly, starting at a random phase: the kindest case
	// for a scaler (no clumps).
	Even ArrivalModel = "even"
	// Burst puts all of them in one random second of the minute: the harshest.
	Burst ArrivalModel = "burst"
)

// ParseArrivalModel validates a model name.
func ParseArrivalModel(s string) (ArrivalModel, error) {
	switch m := ArrivalModel(s); m {
	case Uniform, Even, Burst:
		return m, nil
	}
	return "", fmt.Errorf("arrival model %q: want uniform, even or burst", s)
}

// NewRNG returns the generator for one function: seeded by the run seed and
// the function's index in the loaded trace (Trace.Position, which a sample
// keeps), so a function's arrivals do not depend on which other functions
// are replayed with it.
func NewRNG(seed uint64, function int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(function)*0x9E3779B97F4A7C15+1))
}

// lastInstant is the largest offset below 60 s.
var lastInstant = math.Nextafter(60, 0)

// Minute appends to buf the start offsets, in seconds within [0, 60), of n
// invocations, in increasing order. It draws sorted uniforms from exponential
// spacings, which costs O(n) instead of a sort.
func (m ArrivalModel) Minute(rng *rand.Rand, n uint32, buf []float64) []float64 {
	buf = buf[:0]
	if n == 0 {
		return buf
	}
	switch m {
	case Even:
		step := 60.0 / float64(n)
		phase := rng.Float64() * step
		for i := uint32(0); i < n; i++ {
			// At the top phase draw, phase + (n−1)·step rounds to 60, the
			// next minute's first instant; offsets stay in [0, 60).
			buf = append(buf, min(phase+float64(i)*step, lastInstant))
		}
	case Burst:
		// Each of the minute's 60 seconds, 0..59, with probability 1/60.
		start := math.Floor(rng.Float64() * 60)
		t := 0.0
		for i := uint32(0); i < n; i++ {
			t += rng.ExpFloat64()
			buf = append(buf, t)
		}
		total := t + rng.ExpFloat64()
		for i := range buf {
			// In second 59, a fraction within 2⁻⁴⁸ of 1 would round the sum
			// up to 60, the next minute's first instant; offsets stay in [0, 60).
			buf[i] = min(start+buf[i]/total, lastInstant)
		}
	default:
		t := 0.0
		for i := uint32(0); i < n; i++ {
			t += rng.ExpFloat64()
			buf = append(buf, t)
		}
		total := t + rng.ExpFloat64()
		for i := range buf {
			// ExpFloat64 is exactly 0 about once in 2³² draws: a closing
			// spacing of 0 put the last call at 60 s, the next minute's
			// first instant (past the replay's end in its last minute,
			// where the call was lost), and all n+1 of them 0 at 0/0.
			v := 0.0
			if total > 0 {
				v = buf[i] / total * 60
			}
			buf[i] = min(v, lastInstant)
		}
	}
	return buf
}

// Sample returns an execution time in seconds for the quantile u in [0,1],
// interpolating linearly between the published percentiles.
func (d *Durations) Sample(u float64) float64 {
	for k := 1; k < len(PctLevels); k++ {
		if u <= PctLevels[k] {
			lo, hi := PctLevels[k-1], PctLevels[k]
			f := (u - lo) / (hi - lo)
			return (d.Pct[k-1] + f*(d.Pct[k]-d.Pct[k-1])) / 1000
		}
	}
	return d.Pct[len(d.Pct)-1] / 1000
}

package trace

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// DefaultSampleSeed is the seed Sample draws with unless told another: the
// evaluation matrix samples every large held-out trace with it, so each of
// a trace's cells replays the same functions.
const DefaultSampleSeed = 1

// Sample returns a trace of n of t's functions drawn uniformly at random
// without replacement (seeded: the same n and seed give the same functions),
// in t's order; t itself when n is 0 or not below t's count. Their
// per-minute counts and durations are shared with t, not copied. Its Dir
// (the label tables and documents print) says which sample it is. Each
// keeps its position in the loaded trace (Positions), which seeds its
// replay: a function drawn replays the arrivals it has in the whole trace.
//
// Why uniform: the matrix's per-function figure (the p75-function cold-start
// ratio) is a quantile over functions, which a uniform draw of functions
// estimates without bias; a day of the Azure 2019 dataset holds tens of
// thousands of functions, which the fleet replay of faas-autoscaler (every
// function through one controller) takes hours over, where a sample of a
// thousand takes a minute. Totals (cold starts, idle) are dominated by the
// busiest functions, so a sample's ratios of totals vary more than its p75
// does: say which sample a figure is on.
func (t *Trace) Sample(n int, seed uint64) *Trace {
	if n <= 0 || n >= len(t.Functions) {
		return t
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a3b1e))
	// The first n of a seeded permutation, put back in the trace's order.
	idx := rng.Perm(len(t.Functions))[:n]
	slices.Sort(idx)
	dir := fmt.Sprintf("%s (sample of %d of %d functions, seed %d)", t.Dir, n, len(t.Functions), seed)
	out := &Trace{Dir: dir, Format: t.Format, Minutes: t.Minutes, Functions: make([]Function, n), Layout: t.Layout,
		Merged: t.Merged, Renamed: t.Renamed, Positions: make([]int, n)}
	for i, j := range idx {
		out.Functions[i] = t.Functions[j]
		out.Positions[i] = t.Position(j) // the loaded trace's, through a sample of a sample too
	}
	return out
}

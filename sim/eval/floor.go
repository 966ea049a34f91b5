package eval

import (
	"math"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// P75Floor is the lowest p75-function cold-start ratio a policy that warms
// no function before its first call can reach on the window [from,
// from+minutes) of tr: each function's first call is cold, so its ratio is
// at least 1/n for n calls, and the floor is the nearest-rank p75 of those
// (over functions with a call, as sim's p75). NaN when no function has one.
//
// Why it is reported: when it is above MaxP75Ratio × the baseline's p75,
// the p75 clause is out of reach of any such policy (on the 2021 sample, 9
// of 31 functions are called once, so the floor is 1), and a miss there
// says nothing about the policy.
func P75Floor(tr *trace.Trace, from, minutes int) float64 {
	var floors []float64
	for i := range tr.Functions {
		if n := callsIn(&tr.Functions[i], from, minutes); n > 0 {
			floors = append(floors, 1/float64(n))
		}
	}
	return sim.Percentile(floors, 0.75)
}

// Reach checks the floor against the p75 bound over the baseline's p75 in
// ss: Met says the p75 clause is within reach. Informational: it is not
// part of the verdict's Met, which judges the goal as written.
func Reach(floor float64, ss []sim.Summary, baseline string) Check {
	b, ok := find(ss, baseline)
	if !ok || math.IsNaN(floor) {
		return Check{Bound: MaxP75Ratio}
	}
	return scaled(floor, b.P75ColdRatio, MaxP75Ratio)
}

package scaler

import (
	"fmt"
	"math"
)

// limitAndClamp bounds a target-mode decision by [floor, max] and by the
// per-evaluation rate limits, naming whichever bound binds: the lower bound
// is max(floor, ceil(cur × ScaleDownRate)) when going down, the upper
// min(max, max(cur × ScaleUpRate, cur + ScaleUpPods)) when going up.
func limitAndClamp(spec *Spec, obs *Observation, d *Decision, head string) {
	cur, want := obs.Replicas, d.Replicas
	stabilised := d.Code == CodeStabilising // want is the window's, not the load's
	// The reasons word the load's need, not want: a stabilising decision's
	// want is the window's count, a keep's the current one (a load needing
	// 3 read as wanting 30, clamped to a lowered max: a review's finding).
	need := want
	switch d.Code {
	case CodeStabilising, CodeWithinTolerance, CodeSteady, CodeLowerBound:
		need = d.Recommended
	}
	lo, loCode, loWhy := floor(spec, obs)
	hi, hiCode := spec.Max, CodeAtMax
	// Which bound set lo and hi; worded only when one binds a loud
	// decision (formatting them for every decision that meets them was
	// most of a quiet pass's formatting).
	downLimited, upLimited, floorWins := false, false, false
	if want < cur {
		// Saturating as the up side: float64(cur) rounds a count near the
		// top of the uint64 range up to 2^64, whose conversion is
		// implementation-defined (2^63 on amd64: a rate of 1 halved it).
		// At most cur − 1 below a rate of 1 (1: no scale-down): ceil(cur ×
		// rate) is cur itself for every cur below 1/(1 − rate), so a rate
		// above 0.5 held a function with no load at 9 replicas (0.9) or 3
		// (0.7) for ever. At 0.5 and below nothing changes.
		dl := min(ceilToUint(float64(cur)*spec.ScaleDownRate), cur)
		if spec.ScaleDownRate < 1 && cur > 0 {
			dl = min(dl, cur-1)
		}
		if dl > lo {
			lo, loCode, downLimited = dl, CodeRateLimited, true
		}
		if lo > spec.Max { // above max (labels changed): max wins over the rate limit
			lo, loCode, downLimited = spec.Max, CodeAtMax, false
			loWhy = fmt.Sprintf("max %d", spec.Max)
		}
	}
	if want > cur {
		// Saturating: defaults.scale_up_pods (any uint64) set to mean "no
		// limit" wrapped cur + pods to a small count, leaving the rate's
		// limit alone (with a rate of 1: no scale-up at all); a rate far
		// beyond the uint64 range converts to an undefined count.
		if ul := max(ceilToUint(float64(cur)*spec.ScaleUpRate), addCapped(cur, spec.ScaleUpPods, math.MaxUint64)); ul < hi {
			hi, hiCode, upLimited = ul, CodeRateLimited, true
		}
		// The floor wins over the rate limit, as doc.go orders them (the
		// bounds last): a function raised toward a min (or scheduled
		// minimum) it is below would otherwise stop short of it, below
		// the count the same function with no load at all gets.
		if hi < lo {
			hi, hiCode, upLimited, floorWins = lo, loCode, false, true
		}
	}
	switch {
	case want < lo:
		d.Replicas, d.Code, d.Reason = lo, loCode, ""
		if !obs.quiet {
			if downLimited {
				loWhy = fmt.Sprintf("scale-down limit %g×%d", spec.ScaleDownRate, cur)
			}
			d.Reason = fmt.Sprintf("%s wants %d; %s → %d", head, need, loWhy, lo)
			if stabilised {
				d.Reason = fmt.Sprintf("%s wants %d, the %v window %d; %s → %d", head, need, spec.DownWindow, want, loWhy, lo)
			}
		}
	case want > hi:
		d.Replicas, d.Code, d.Reason = hi, hiCode, ""
		// A floor raised above the scale-up limit binds here only when
		// the load needs more than it: the raise is for load (Decide
		// records it Up, not UpToFloor), though the floor's code names it.
		d.forLoad = d.forLoad || floorWins
		if !obs.quiet {
			hiWhy := fmt.Sprintf("max %d", spec.Max)
			switch {
			case upLimited:
				hiWhy = fmt.Sprintf("scale-up limit max(%g×%d, %d+%d)", spec.ScaleUpRate, cur, cur, spec.ScaleUpPods)
			case floorWins:
				hiWhy = fmt.Sprintf("%s, above the scale-up limit max(%g×%d, %d+%d)", loWhy, spec.ScaleUpRate, cur, cur, spec.ScaleUpPods)
			}
			d.Reason = fmt.Sprintf("%s wants %d; %s → %d", head, need, hiWhy, hi)
			if stabilised {
				d.Reason = fmt.Sprintf("%s wants %d, the %v window %d; %s → %d", head, need, spec.DownWindow, want, hiWhy, hi)
			}
		}
	}
}

// ceilToUint is ⌈v⌉ for v ≥ 0, saturating at the uint64 range (Go's
// conversion of a float beyond it is implementation-defined).
func ceilToUint(v float64) uint64 {
	if c := math.Ceil(v); c < 1<<64 {
		return uint64(c)
	}
	return math.MaxUint64
}

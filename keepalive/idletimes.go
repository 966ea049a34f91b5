package keepalive

import (
	"cmp"
	"math"
	"slices"
)

// idleTime is one place of a history's ring: an idle time (seconds, +Inf
// at or past the horizon) and its weight, and, by rank rather than by
// place, the order: the place of the k-th shortest idle time is in the
// k-th element's rank field. One array of eight bytes a place, where
// three (idle times, weights, order: ten bytes a place and three slice
// headers) made a called fleet's histories the largest thing the
// controller held at 100,000 functions (issue 12, session 30).
type idleTime struct {
	it   float32
	w    uint16 // invocations that ended it, at most maxWeight
	rank uint16 // see idleTime
}

// maxWeight is the largest weight kept: a step that ended an idle time
// with more calls than this weighs as if it had this many. Weights
// compare idle times with one another, and against the ones or tens of
// calls that end a typical idle time this is already all the weight.
const maxWeight = math.MaxUint16

// weightOf is n as a kept weight.
func weightOf(n int) uint16 { return uint16(min(max(n, 0), maxWeight)) }

// growIdleTimes is e with room for one more place, of at most limit: a
// quarter more, at least four, where append doubled (a history stops
// growing at its fair share of the fleet's budget, and until then half its
// array could be room it never used).
func growIdleTimes(e []idleTime, limit int) []idleTime {
	if len(e) < cap(e) {
		return e
	}
	// Not slices.Grow: it appends, and append doubles a small array.
	grown := make([]idleTime, len(e), len(e)+max(1, min(max(4, len(e)/4), limit-len(e))))
	copy(grown, e)
	return grown
}

// rebuildOrder sets the ranks of e from its idle times: the order a sort
// of (idle time bits, place) gives.
func (h *history) rebuildOrder() {
	order := make([]uint16, len(h.e))
	for i := range order {
		order[i] = uint16(i)
	}
	slices.SortFunc(order, func(a, b uint16) int { return cmp.Compare(h.orderKey(int(a)), h.orderKey(int(b))) })
	for k, j := range order {
		h.e[k].rank = j
	}
}

// shiftRanks moves the ranks of [from+1, to] one place down (to from,
// to-1) when from < to, or the ranks of [to, from-1] one place up when
// to < from: an idle time leaving rank from and entering rank to.
func (h *history) shiftRanks(from, to int) {
	switch {
	case from < to:
		for k := from; k < to; k++ {
			h.e[k].rank = h.e[k+1].rank
		}
	case to < from:
		for k := from; k > to; k-- {
			h.e[k].rank = h.e[k-1].rank
		}
	}
}

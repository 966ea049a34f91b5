package eval

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// The p75 clause's price: how much idle time halving the baseline's
// p75-function cold ratio costs at the least, in a model simple enough to
// solve in hindsight. Each function has one replica and one keep-alive of
// its own, chosen knowing every arrival of the window, never shorter than
// the baseline's (so no function takes more cold starts than under the
// baseline, and the cold-start clause is kept). A function meets the
// clause's ratio when its cold starts (the first call, and every call after
// a gap longer than its keep-alive) are at most that share of its calls;
// the cheapest functions are lengthened until three in four of them meet
// it. Gaps run from one arrival to the next (execution time left out), drawn
// as the cell's replay draws them (execution-time draws included, so the
// arrivals are the replay's own).
//
// What it says: a policy that only keeps replicas warm after calls (no
// pre-warming) and does not buy this much idle elsewhere on the p75
// functions, or save it on the busy ones, cannot meet the p75 and idle
// clauses together. Real policies pay more: they do not know the gaps
// ahead. It is reported beside the verdict and is not part of it.

// P75Price is that least idle time, in seconds above the baseline
// keep-alive keep's own in the same model, on the cell's window [from,
// from+minutes) of tr with the cell's arrivals; ok is false when the clause
// is out of this model's reach (too few functions have calls enough: see
// P75Floor) or no function has a call.
func P75Price(tr *trace.Trace, from, minutes int, seed uint64, arrivals trace.ArrivalModel, keep time.Duration) (extra float64, ok bool) {
	k0 := keep.Seconds()
	var fns []keepModel
	for i := range tr.Functions {
		if m := newKeepModel(&tr.Functions[i], tr.Position(i), from, minutes, seed, arrivals); m.n > 0 {
			fns = append(fns, m)
		}
	}
	if len(fns) == 0 {
		return 0, false
	}
	ratios := make([]float64, len(fns))
	for i, f := range fns {
		ratios[i] = float64(f.cold(k0)) / float64(f.n)
	}
	theta := MaxP75Ratio * sim.Percentile(ratios, 0.75)
	need := int(math.Ceil(0.75 * float64(len(fns))))
	costs := make([]float64, 0, len(fns))
	for _, f := range fns {
		if c, ok := f.priceOf(theta, k0); ok {
			costs = append(costs, c)
		}
	}
	if len(costs) < need {
		return 0, false
	}
	slices.Sort(costs)
	for _, c := range costs[:need] {
		extra += c
	}
	return extra, true
}

// keepModel is one function's arrivals in the window, as gaps.
type keepModel struct {
	n    int       // calls
	gaps []float64 // seconds between consecutive calls, longest first
	tail float64   // seconds from the last call to the window's end
}

// newKeepModel draws fn's arrivals as the engine does: one generator per
// function (index i) and seed, fresh at the window's first minute, minute
// by minute. The engine draws each request's execution time from the same
// generator as it arrives (when the function has durations), after the
// minute's offsets and before the next minute's, so the model draws and
// discards those too: otherwise every minute after the first with calls
// would have other offsets than the replay's. TestP75PriceDrawsTheReplaysArrivals
// holds the two together.
func newKeepModel(fn *trace.Function, i, from, minutes int, seed uint64, arrivals trace.ArrivalModel) keepModel {
	rng := trace.NewRNG(seed, i)
	var m keepModel
	var buf []float64
	last := math.NaN()
	for k, c := range fn.PerMinute[from : from+minutes] {
		buf = arrivals.Minute(rng, c, buf)
		for _, off := range buf {
			if fn.Duration != nil {
				rng.Float64() // the request's execution time
			}
			t := float64(k)*60 + off
			if !math.IsNaN(last) {
				m.gaps = append(m.gaps, t-last)
			}
			last = t
			m.n++
		}
	}
	if m.n > 0 {
		m.tail = float64(minutes)*60 - last
	}
	slices.SortFunc(m.gaps, func(a, b float64) int { return cmp.Compare(b, a) })
	return m
}

// cold is the cold starts under keep-alive k: the first call and one per
// gap longer than k.
func (m keepModel) cold(k float64) int {
	c := 1
	for _, g := range m.gaps {
		if g <= k {
			break // longest first
		}
		c++
	}
	return c
}

// idle is the replica's idle seconds under keep-alive k: each gap up to k,
// and k after the last call, both cut at the window's end.
func (m keepModel) idle(k float64) float64 {
	s := min(k, m.tail)
	for _, g := range m.gaps {
		s += min(g, k)
	}
	return s
}

// priceOf is the least idle, above keep-alive k0's, that brings the
// function's cold ratio to theta or under with a keep-alive of k0 or more;
// ok is false when even the longest keep-alive cannot (its first call is
// cold: a function of n calls can get no lower than 1/n).
func (m keepModel) priceOf(theta, k0 float64) (float64, bool) {
	// The cold starts it may have, with one tolerance for both tests: at an
	// exact tie (15 of 110 calls at 3/22) θn computes to 14.999…, the test
	// against k0 without it failed, and the keep-alive below picked was a
	// gap shorter than k0, a negative price.
	allowed := int(math.Floor(theta*float64(m.n) + 1e-9))
	if m.cold(k0) <= allowed {
		return 0, true
	}
	if allowed < 1 {
		return 0, false
	}
	// Keeping through every gap but the allowed-1 longest: the keep-alive
	// is the allowed-th longest gap (longer than k0, or it would be met).
	k := m.gaps[allowed-1]
	return m.idle(k) - m.idle(k0), true
}

// priceShare is P75Price on cell c over the baseline's idle in ss, when
// the baseline is a fixed keep-alive (nil otherwise: the model's baseline
// is one).
func priceShare(tr *trace.Trace, c Cell, minutes int, ss []sim.Summary, baseline string) *float64 {
	b, ok := find(ss, baseline)
	keep, fixed := fixedKeepAlive(baseline)
	if !ok || !fixed || b.IdleReplicaSec <= 0 {
		return nil
	}
	extra, ok := P75Price(tr, c.FromMinute, minutes, c.Seed, c.Arrivals, keep)
	if !ok {
		return nil
	}
	return ptr(round(extra/b.IdleReplicaSec, 4))
}

// fixedKeepAlive reads a fixed keep-alive policy's name ("fixed-10m", as
// peers.FixedKeepAlive prints it) back into its keep-alive.
func fixedKeepAlive(name string) (time.Duration, bool) {
	d, ok := strings.CutPrefix(name, "fixed-")
	if !ok {
		return 0, false
	}
	k, err := time.ParseDuration(d)
	return k, err == nil && k > 0
}

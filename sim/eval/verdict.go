package eval

import (
	"fmt"
	"math"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// The goal's bounds (issue 12), relative to the baseline's figures.
const (
	MaxP75Ratio  = 0.5 // p75-function cold-start ratio ≤ 0.5× the baseline's
	MaxColdRatio = 1.0 // overall cold starts ≤ 1.0×
	MaxIdleRatio = 1.0 // idle replica-seconds ≤ 1.0×
	MaxWaitP99   = 0.5 // request-wait p99 ≤ the baseline's + 0.5 s
)

// Check is one inequality of the verdict. Value is the candidate's figure
// over the baseline's (for the wait, the difference in seconds); it is nil
// when the baseline's figure is 0, where Met still says whether the
// inequality (candidate ≤ bound × 0) holds.
type Check struct {
	Value *float64 `json:"value"`
	Bound float64  `json:"bound"`
	Met   bool     `json:"met"`
}

// Verdict is the candidate against the baseline and its peers on one cell.
type Verdict struct {
	P75Cold Check `json:"p75_function_cold_ratio"`
	Cold    Check `json:"cold_starts"`
	Idle    Check `json:"idle_replica_seconds"`
	WaitP99 Check `json:"wait_p99_delta_seconds"`
	// DominatedBy names the peers better than the candidate on all of p75
	// cold ratio, cold starts and idle replica-seconds (empty: none).
	DominatedBy []string `json:"dominated_by"`
	// Met is every check met and no peer dominating.
	Met bool `json:"met"`
	// P75Floor is P75Floor's ratio to the baseline's p75 (Reach): Met
	// false says the p75 clause was out of reach of any policy that warms
	// no function before its first call. Not part of Met.
	P75Floor Check `json:"p75_floor"`
	// P75Price is P75Price's idle seconds over the baseline's idle
	// replica-seconds in the replay: the least share of idle time a
	// keep-alive policy that knew the gaps would add to meet the p75
	// clause without taking more cold starts (nil: out of that model's
	// reach, or no baseline idle). Not part of Met.
	P75Price *float64 `json:"p75_price_idle_share"`
}

// Judge computes the verdict of candidate against baseline over the
// summaries of one cell; every other summary is a peer. It errors when
// either named policy is missing.
func Judge(ss []sim.Summary, candidate, baseline string) (Verdict, error) {
	c, okC := find(ss, candidate)
	b, okB := find(ss, baseline)
	if !okC || !okB {
		return Verdict{}, fmt.Errorf("verdict needs %s and %s among the results (have %s)", candidate, baseline, names(ss))
	}
	v := Verdict{
		P75Cold: scaled(c.P75ColdRatio, b.P75ColdRatio, MaxP75Ratio),
		Cold:    scaled(float64(c.ColdStarts), float64(b.ColdStarts), MaxColdRatio),
		Idle:    scaled(c.IdleReplicaSec, b.IdleReplicaSec, MaxIdleRatio),
		WaitP99: Check{Bound: MaxWaitP99},
	}
	// -1 is "not defined" (no invocation in the window): a check on it is
	// not met and has no value, or a window without a call passed the goal.
	if c.P75ColdRatio < 0 || b.P75ColdRatio < 0 {
		v.P75Cold = Check{Bound: MaxP75Ratio}
	}
	if c.IdleReplicaSec < 0 || b.IdleReplicaSec < 0 {
		// Not defined either (a NaN or infinite sum): not met, no value.
		v.Idle = Check{Bound: MaxIdleRatio}
	}
	if c.WaitP99 >= 0 && b.WaitP99 >= 0 {
		v.WaitP99 = Check{Value: ptr(round(c.WaitP99-b.WaitP99, 4)), Bound: MaxWaitP99, Met: c.WaitP99 <= b.WaitP99+MaxWaitP99}
	}
	for _, p := range ss {
		if p.Policy != candidate && dominates(p, c) {
			v.DominatedBy = append(v.DominatedBy, p.Policy)
		}
	}
	v.Met = v.P75Cold.Met && v.Cold.Met && v.Idle.Met && v.WaitP99.Met && len(v.DominatedBy) == 0
	return v, nil
}

// judgeCell is Run's verdict on one cell: Judge on the unrounded figures
// of the policies replayed in this process (rs), so that each inequality is
// evaluated as written — sim.Summaries rounds the p75 ratio to 6 digits and
// idle time to 0.1 s for reading and golden files, and at a bound rounding
// flips an inequality (1/6 ≤ 0.5 × 1/3 holds, 0.166667 ≤ 0.5 × 0.333333 does
// not). others are peers merged from a run in another process (Knative's),
// known only as rounded summaries: the candidate's figures are rounded the
// same way before they are compared, so that a tie stays a tie.
func judgeCell(rs []sim.Result, others []sim.Summary, candidate, baseline string) (Verdict, error) {
	v, err := Judge(exactSummaries(rs), candidate, baseline)
	if err != nil || len(others) == 0 {
		return v, err
	}
	c, _ := find(sim.Summaries(rs), candidate)
	for _, p := range others {
		if p.Policy != candidate && dominates(p, c) {
			v.DominatedBy = append(v.DominatedBy, p.Policy)
			v.Met = false
		}
	}
	return v, nil
}

// exactSummaries is sim.Summaries without its rounding: the figures the
// verdict's inequalities are evaluated on. NaN still becomes -1, as in
// sim.Summaries (dominates reads -1 as "not defined").
func exactSummaries(rs []sim.Result) []sim.Summary {
	ss := sim.Summaries(rs)
	for i, r := range rs {
		s := &ss[i]
		s.ColdRatio, s.P75ColdRatio = orNeg(r.ColdRatio), orNeg(r.P75ColdRatio)
		s.IdleReplicaSec, s.IdleNormalised = orNeg(r.IdleReplicaSeconds), orNeg(r.IdleNormalised)
		s.TotalReplicaSec = orNeg(r.ReplicaSeconds)
		s.WaitP50, s.WaitP99, s.WaitMax = orNeg(r.WaitP50), orNeg(r.WaitP99), orNeg(r.WaitMax)
	}
	return ss
}

func orNeg(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return -1
	}
	return x
}

// scaled checks x ≤ bound×base.
func scaled(x, base, bound float64) Check {
	ch := Check{Bound: bound, Met: x <= bound*base}
	if base > 0 {
		ch.Value = ptr(round(x/base, 4))
	}
	return ch
}

func ptr(x float64) *float64 { return &x }

// round keeps JSON and golden files stable and readable.
func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// dominates reports whether p is strictly better than c on all three axes.
// A figure of -1 (not defined: no invocations) never counts as better.
// A NaN or infinite idle (exactSummaries makes it -1) is not defined
// either: it counted as better on idle (a review's finding).
func dominates(p, c sim.Summary) bool {
	return p.P75ColdRatio >= 0 && p.P75ColdRatio < c.P75ColdRatio &&
		p.ColdStarts < c.ColdStarts && p.IdleReplicaSec >= 0 && p.IdleReplicaSec < c.IdleReplicaSec
}

func find(ss []sim.Summary, name string) (sim.Summary, bool) {
	for _, s := range ss {
		if s.Policy == name {
			return s, true
		}
	}
	return sim.Summary{}, false
}

func names(ss []sim.Summary) string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Policy)
	}
	return strings.Join(n, ", ")
}

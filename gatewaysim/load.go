package gatewaysim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Phase is one stretch of a load pattern: RPS requests per second for For.
type Phase struct {
	For time.Duration
	RPS float64
}

// Pattern is a sequence of phases that repeats once it ends. An empty pattern
// is no load.
type Pattern []Phase

// MaxRPS bounds one function's request rate. The simulation steps every
// request through the metrics one by one, so an absurd rate (or +Inf) would
// stall it instead of simulating anything.
const MaxRPS = 1e6

// validRPS reports whether r is a rate the simulation can run.
func validRPS(r float64) bool { return r >= 0 && r <= MaxRPS } // false for NaN

// Constant is a pattern of a steady rate.
func Constant(rps float64) Pattern { return Pattern{{For: time.Hour, RPS: rps}} }

// Period is the length of one pass through the pattern.
func (p Pattern) Period() time.Duration {
	var d time.Duration
	for _, ph := range p {
		d += ph.For
	}
	return d
}

// RateAt returns the request rate at elapsed time since the pattern started.
func (p Pattern) RateAt(elapsed time.Duration) float64 {
	period := p.Period()
	if period <= 0 || elapsed < 0 {
		return 0
	}
	elapsed %= period
	for _, ph := range p {
		if elapsed < ph.For {
			return ph.RPS
		}
		elapsed -= ph.For
	}
	return 0
}

// Arrivals is how many requests the pattern offers in its first d
// (fractional: the rate integrated over time; 0 for d <= 0).
func (p Pattern) Arrivals(d time.Duration) float64 {
	period := p.Period()
	if period <= 0 || d <= 0 {
		return 0
	}
	perPeriod := 0.0
	for _, ph := range p {
		perPeriod += ph.RPS * ph.For.Seconds()
	}
	n := float64(d/period) * perPeriod
	rest := d % period
	for _, ph := range p {
		if rest <= 0 {
			break
		}
		in := min(rest, ph.For)
		n += ph.RPS * in.Seconds()
		rest -= in
	}
	return n
}

// ParsePattern reads "10s@5,20s@120,30s@0": phases of duration@rps.
func ParsePattern(s string) (Pattern, error) {
	var p Pattern
	var total time.Duration
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, r, ok := strings.Cut(part, "@")
		if !ok {
			return nil, fmt.Errorf("load phase %q: want duration@rps, e.g. 10s@50", part)
		}
		dur, err := time.ParseDuration(d)
		if err != nil || dur <= 0 {
			return nil, fmt.Errorf("load phase %q: duration %q is not a positive Go duration", part, d)
		}
		rps, err := strconv.ParseFloat(r, 64)
		if err != nil || !validRPS(rps) {
			return nil, fmt.Errorf("load phase %q: rate %q is not a number from 0 to %g", part, r, float64(MaxRPS))
		}
		if total += dur; total < 0 {
			// The period wrapped past the largest Duration (~292 years):
			// RateAt and Arrivals then read 0, and the gateway ran without
			// calling anything (a review's finding).
			return nil, fmt.Errorf("load pattern %q: its phases add up to more than %s", s, time.Duration(math.MaxInt64))
		}
		p = append(p, Phase{For: dur, RPS: rps})
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("load pattern %q has no phases", s)
	}
	return p, nil
}

package replay

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Run is one process: what it replayed and the CPU and wall time it took.
type Run struct {
	CPU  time.Duration // user + system, the process and its threads
	Wall time.Duration
}

// Round is one of each build's runs, in the order they ran (Order names
// them: "ours", "baseline", "against").
type Round struct {
	Ours, Baseline Run
	// Against is the second build's faas-autoscaler replay (nil: none).
	Against *Run
	Order   []string
}

// Summary is the rounds reduced to the figure the issue asks for.
type Summary struct {
	Rounds int
	// Medians of the CPU times over the rounds.
	Ours, Baseline, Against time.Duration
	// Ratio is Ours / Baseline: the figure (≤ 5 is the goal).
	Ratio float64
	// AgainstRatio is Against / Baseline (0 without a second build).
	AgainstRatio float64
	// RoundRatios are each round's own ours/baseline, in round order: their
	// spread is the machine's noise on one round.
	RoundRatios []float64
}

// Summarise reduces rounds to medians and ratios. It refuses no rounds, a
// replay (any of the builds') that took no CPU, and rounds that disagree on
// a second build.
func Summarise(rounds []Round) (Summary, error) {
	if len(rounds) == 0 {
		return Summary{}, errors.New("no rounds")
	}
	against := rounds[0].Against != nil
	var ours, base, other []time.Duration
	s := Summary{Rounds: len(rounds)}
	for i, r := range rounds {
		if (r.Against != nil) != against {
			return Summary{}, fmt.Errorf("rounds 1 and %d differ in whether a second build ran", i+1)
		}
		// A process that took no CPU did not replay: counted, ours would
		// read 0x and a second build -100 %.
		if r.Baseline.CPU <= 0 {
			return Summary{}, fmt.Errorf("round %d: the baseline took no CPU time", i+1)
		}
		if r.Ours.CPU <= 0 {
			return Summary{}, fmt.Errorf("round %d: faas-autoscaler's replay took no CPU time", i+1)
		}
		if against && r.Against.CPU <= 0 {
			return Summary{}, fmt.Errorf("round %d: the second build's replay took no CPU time", i+1)
		}
		ours, base = append(ours, r.Ours.CPU), append(base, r.Baseline.CPU)
		if against {
			other = append(other, r.Against.CPU)
		}
		s.RoundRatios = append(s.RoundRatios, float64(r.Ours.CPU)/float64(r.Baseline.CPU))
	}
	s.Ours, s.Baseline = median(ours), median(base)
	s.Ratio = float64(s.Ours) / float64(s.Baseline)
	if against {
		s.Against = median(other)
		s.AgainstRatio = float64(s.Against) / float64(s.Baseline)
	}
	return s, nil
}

// median is the middle value, or the mean of the middle two.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Write prints every round and the summary.
func (s Summary) Write(w io.Writer, rounds []Round) {
	for i, r := range rounds {
		fmt.Fprintf(w, "round %d (%v): faas-autoscaler %.2f s, fixed-10m %.2f s", i+1, r.Order, r.Ours.CPU.Seconds(), r.Baseline.CPU.Seconds())
		if r.Against != nil {
			fmt.Fprintf(w, ", second build %.2f s", r.Against.CPU.Seconds())
		}
		fmt.Fprintf(w, " (user+sys); ratio %.2f×\n", s.RoundRatios[i])
	}
	lo, hi := slices.Min(s.RoundRatios), slices.Max(s.RoundRatios)
	fmt.Fprintf(w, "median of %d rounds: faas-autoscaler %.2f s, fixed-10m %.2f s: %.2f× (rounds %.2f–%.2f×; goal ≤ 5×)\n",
		s.Rounds, s.Ours.Seconds(), s.Baseline.Seconds(), s.Ratio, lo, hi)
	if s.Against > 0 {
		fmt.Fprintf(w, "second build: %.2f s, %.2f× (%+.1f %% against this build)\n", s.Against.Seconds(), s.AgainstRatio,
			100*(float64(s.Ours)/float64(s.Against)-1))
	}
}

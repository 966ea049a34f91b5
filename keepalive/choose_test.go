package keepalive

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// chooseByCost is ChooseWeighted's search done the plain way: every
// candidate costed with its own searches (samples.cost). ChooseWeighted
// shares the searches between candidates; its plans must be the same, to
// the bit.
func chooseByCost(its, ws []float64, cfg Config) Plan {
	cfg = cfg.withDefaults()
	s := newSamples(its, ws)
	worth := cfg.ColdStartWorth.Seconds()
	if cfg.WorthRate > 0 {
		span := s.prefix[len(s.x)] + (s.total-float64(len(s.x)))*cfg.Horizon.Seconds()
		rate := s.weight / math.Max(span, 1) * 3600
		worth *= math.Max(1, cfg.WorthRate/math.Max(rate, cfg.WorthRate/1000))
	}
	maxK, lead, mg := cfg.MaxKeepAlive.Seconds(), cfg.MinLead.Seconds(), cfg.Margin
	best, bestJ := Plan{Code: CodeZeroNow}, math.Inf(1)
	try := func(k, p, u float64, code Code) {
		if k > maxK || (p > 0 && (p <= k || u < p || k+(u-p) > maxK)) {
			return
		}
		cold, idle := s.cost(k, p, u)
		if j := cold + idle/worth; j < bestJ-1e-9 {
			bestJ = j
			best = Plan{KeepAlive: secs(k), Code: code, ExpectedCold: cold / s.weight, ExpectedIdle: idle / s.weight}
			if p > 0 {
				best.PreWarmAt, best.PreWarmUntil = secs(p), secs(u)
			}
		}
	}
	try(0, 0, 0, CodeZeroNow)
	for _, v := range s.x {
		try(v*(1+mg), 0, 0, CodeKeepAlive)
	}
	grid := quantileGrid(s.x, 48)
	bursts := []float64{0}
	for _, v := range grid {
		if k := v * (1 + mg); v <= 120 && k > bursts[len(bursts)-1] {
			bursts = append(bursts, k)
		}
	}
	if len(bursts) > 6 {
		thin := []float64{0}
		for i := 1; i <= 5; i++ {
			thin = append(thin, bursts[(len(bursts)-1)*i/5])
		}
		bursts = thin
	}
	minGap := math.Max(60, 2*lead)
	for _, k := range bursts {
		for i, lo := range grid {
			p := lo*(1-mg) - lead
			if p < k+minGap {
				continue
			}
			for _, hi := range grid[i:] {
				try(k, p, hi*(1+mg)+lead, CodePreWarm)
			}
		}
	}
	if per, ok := periodic(s.x, cfg); ok {
		try(0, per.PreWarmAt.Seconds(), per.PreWarmUntil.Seconds(), CodePeriodic)
	}
	best.Reason = describe(best, len(its), len(its)-len(s.x))
	return best
}

// TestChooseWeightedMatchesThePlainSearch: on random histories (timers,
// bursts, mixtures, ties, idle times beyond the horizon, weights) the plan
// is the plain search's.
func TestChooseWeightedMatchesThePlainSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for run := range 600 {
		n := 1 + rng.IntN(256)
		its, ws := make([]float64, n), make([]float64, n)
		for i := range its {
			switch r := rng.IntN(10); {
			case r == 0:
				its[i] = math.Inf(1)
			case r < 4:
				its[i] = float64(float32(300 + rng.NormFloat64()*5)) // a timer
			case r < 6:
				its[i] = float64(rng.IntN(30)) // bursts, with ties
			default:
				its[i] = float64(float32(rng.ExpFloat64() * 1800))
			}
			ws[i] = float64(1 + rng.IntN(3)*rng.IntN(40))
		}
		cfg := Default()
		cfg.ColdStartWorth = time.Duration(1+rng.IntN(120)) * time.Minute
		if run%2 == 0 {
			ws = nil
		}
		if got, want := ChooseWeighted(its, ws, 15*time.Minute, cfg), chooseByCost(its, ws, cfg); got != want && n >= cfg.withDefaults().MinSamples {
			t.Fatalf("run %d (%d idle times): plan %+v, the plain search's %+v", run, n, got, want)
		}
	}
}

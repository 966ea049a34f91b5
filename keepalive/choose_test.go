package keepalive

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// chooseByCost is ChooseFor's search done the plain way: the pairs sorted
// through a comparison, every candidate costed with its own searches
// (samples.cost). ChooseFor shares the searches between candidates; its
// plans must be the same, to the bit.
func chooseByCost(its, ws []float64, serves, preWarm, keep float64, cfg Config) Plan {
	cfg = cfg.withDefaults()
	pk := math.Max(1, preWarm)
	s := newSamplesBySort(its, ws, math.Max(serves, 1)*pk)
	s.pk, s.kr = pk, keep
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
			best = Plan{KeepAlive: secs(k), Code: code, ExpectedCold: cold / s.weight, ExpectedIdle: idle / s.total}
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

// TestChooseForMatchesThePlainSearch: on random histories (timers, bursts,
// mixtures, ties, idle times beyond the horizon, weights, what a replica
// serves, the replicas a pre-warm starts and those a keep-alive keeps) the
// plan is the plain search's.
func TestChooseForMatchesThePlainSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	// Odd runs plan in one set of arrays, as a Policy does: what a longer
	// history left in them must not leak into the next plan.
	shared := new(buffers)
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
		switch run % 14 {
		case 3, 10:
			// Windows whose edges land on idle times: a margin of a half and
			// whole-second idle times in steps of 10 s put p = v/2 - 30 and
			// u = 3v/2 + 30 on other idle times (a count of those below p,
			// of those at most u, one off, shows).
			cfg.Margin = 0.5
			for i := range its {
				if !math.IsInf(its[i], 1) {
					its[i] = float64(60 + 10*rng.IntN(60))
				}
			}
		case 0, 7:
			// Beyond what Validate lets through (ChooseFor does not ask):
			// window starts or ends that fall as the idle times rise.
			cfg.Margin = 1 + rng.Float64()
			if run%14 == 7 {
				cfg.Margin = -cfg.Margin
			}
		}
		if run%2 == 0 {
			ws = nil
		}
		serves := float64(rng.IntN(12))
		if run%5 == 0 {
			serves += 0.5 // not a whole number: the sort's path
		}
		var preWarm float64 // the replicas a pre-warm starts: one, or the count idled from
		if run%3 == 0 {
			preWarm = float64(1 + rng.IntN(4))
		}
		// The replicas a keep-alive keeps (the function's min): one, or
		// more, beside a pre-warm's count or not. Not drawn from rng, so
		// the other draws of each run stay what they were.
		var keep float64
		if run%4 == 1 || run%6 == 3 {
			keep = float64(2 + run%9)
		}
		l := Learned{Idle: its, Weight: ws, Serves: serves, PreWarmReplicas: preWarm, KeepReplicas: keep}
		got := ChooseFor(l, 15*time.Minute, cfg)
		if run%2 == 1 {
			got = chooseFor(l, 15*time.Minute, cfg, shared)
		}
		if want := chooseByCost(its, ws, serves, preWarm, keep, cfg); got != want && n >= cfg.withDefaults().MinSamples {
			t.Fatalf("run %d (%d idle times): plan %+v, the plain search's %+v", run, n, got, want)
		}
	}
}

// TestSamplesByKeyMatchesTheSort: for what a Policy holds (float32 idle
// times, whole-number weights, ties, idle times beyond the horizon) the key
// sort gives the comparison sort's samples: the same idle times in order,
// the same prefix sums, and the same weights before each distinct value
// (where the searches cut). Anything else falls back to the sort.
func TestSamplesByKeyMatchesTheSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	shared := new(buffers) // reused, as a Policy reuses its own
	for run := range 500 {
		n := rng.IntN(300)
		its, ws := make([]float64, n), make([]float64, n)
		for i := range its {
			switch r := rng.IntN(8); {
			case r == 0:
				its[i] = math.Inf(1)
			case r < 3:
				its[i] = float64(rng.IntN(20)) // ties
			default:
				its[i] = float64(float32(rng.ExpFloat64() * 900))
			}
			ws[i] = float64(1 + rng.IntN(1000))
		}
		if run%3 == 0 {
			ws = nil
		}
		serves := float64(1 + rng.IntN(20))
		got, ok := newSamplesByKey(its, ws, serves, shared)
		if !ok {
			t.Fatalf("run %d: a Policy's kind of input was not taken", run)
		}
		want := newSamplesBySort(its, ws, serves)
		if !slices.Equal(got.x, want.x) || !slices.Equal(got.prefix, want.prefix) || got.total != want.total || got.weight != want.weight {
			t.Fatalf("run %d: samples differ:\n got %+v\nwant %+v", run, got, want)
		}
		for i := range len(got.x) + 1 {
			if (i == len(got.x) || i == 0 || got.x[i] != got.x[i-1]) && (got.wp[i] != want.wp[i] || got.xp[i] != want.xp[i]) {
				t.Fatalf("run %d: weight before %d is %v (%v beyond a replica), the sort's %v (%v)", run, i, got.wp[i], got.xp[i], want.wp[i], want.xp[i])
			}
		}
	}
	for _, c := range []struct {
		its, ws []float64
	}{
		{[]float64{1.1, 2}, nil},             // not a float32
		{[]float64{1, 2}, []float64{1, 0.5}}, // a fractional weight
		{[]float64{math.Copysign(0, -1)}, nil},
		{[]float64{math.NaN()}, nil},
	} {
		if _, ok := newSamplesByKey(c.its, c.ws, 1, new(buffers)); ok {
			t.Errorf("newSamplesByKey took %v, %v", c.its, c.ws)
		}
	}
	if _, ok := newSamplesByKey([]float64{1, 2}, nil, 2.5, new(buffers)); ok {
		t.Error("newSamplesByKey took a fractional number of requests per replica")
	}
}

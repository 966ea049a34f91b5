package keepalive

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Code says which kind of plan was chosen; usable as a metric label value.
type Code string

const (
	CodeLearning  Code = "learning"   // too few idle times: the fallback keep-alive
	CodeKeepAlive Code = "keep_alive" // keep warm after each invocation
	CodePreWarm   Code = "pre_warm"   // unload after a short window, pre-warm before the next invocation
	CodePeriodic  Code = "periodic"   // a timer: unload at once, pre-warm just before the next tick
	CodeZeroNow   Code = "zero_now"   // nothing pays for warm time: scale to zero at once
)

// Plan is what to do after an invocation, in time since that invocation.
type Plan struct {
	// KeepAlive: warm from the invocation until this long after it.
	KeepAlive time.Duration
	// PreWarmAt > 0: warm again from PreWarmAt until PreWarmUntil after it.
	PreWarmAt, PreWarmUntil time.Duration
	Code                    Code
	Reason                  string
	// ExpectedCold is the share of the calls that end idle times (weighted
	// as learned: calls within a busy stretch end none) expected to be
	// cold, and ExpectedIdle the idle replica-seconds expected per idle
	// time, on the learned idle times (0 while learning): a keep-alive's
	// seconds times the replicas it keeps (Learned.KeepReplicas), a
	// pre-warm window's times those it starts. ExpectedIdle was
	// per call too, and the reason's "idle each" said a tenth of the idle
	// time of a function called in bursts of ten (a review's finding).
	ExpectedCold, ExpectedIdle float64
}

// Warm reports whether the plan wants a replica warm sinceLast after the
// last invocation, which can have been up to slack earlier (InPreWarm).
func (p Plan) Warm(sinceLast, slack time.Duration) bool {
	return sinceLast <= p.KeepAlive || p.InPreWarm(sinceLast, slack)
}

// InPreWarm reports whether the pre-warm window is open sinceLast after
// the last invocation as placed, when it can have been up to slack earlier
// (a call counted in a step): the window opens PreWarmAt after the earliest
// time the call can have been, so the pre-warm is MinLead ahead of the next
// call wherever the last fell, and closes PreWarmUntil after the time it
// was placed at, as the idle times were learned between placed times.
func (p Plan) InPreWarm(sinceLast, slack time.Duration) bool {
	return p.PreWarmAt > 0 && sinceLast+slack >= p.PreWarmAt && sinceLast <= p.PreWarmUntil
}

// Choose picks the plan for one function from its recent idle times (each
// +Inf when the function did not come back within the horizon), each ended
// by one invocation. It is pure: the same idle times and configuration
// always give the same plan.
func Choose(its []float64, fallback time.Duration, cfg Config) Plan {
	return ChooseFor(Learned{Idle: its}, fallback, cfg)
}

// Learned is what Choose plans on for one function.
type Learned struct {
	// Idle holds recent idle times in seconds (+Inf: did not come back
	// within the horizon).
	Idle []float64
	// Weight[i] is how many invocations came when Idle[i] ended (nil: one
	// each). A cold start is paid by every request that waits for it, so an
	// idle time ended by a burst of a hundred requests costs a hundred cold
	// starts when it is missed.
	Weight []float64
	// Serves is how many requests one replica serves at once (what one
	// pre-warmed replica can take of a burst); below 1 counts as 1.
	Serves float64
	// PreWarmReplicas is how many replicas a pre-warm starts: the count the
	// function had when it was last scaled to zero, so that a pre-warm
	// gives back what a keep-alive would have kept (below 1 counts as 1).
	PreWarmReplicas float64
	// KeepReplicas is how many replicas a keep-alive keeps warm: the
	// function's floor while it has no load, max(min, 1), which the
	// scaler's down window brings a quiet function to (below 1 counts as
	// 1). A keep-alive's idle time is priced on each of them, as a pre-warm
	// window's is on each of PreWarmReplicas: priced on one, a function at
	// min = max = 40 was kept warm half an hour after each run where a
	// one-minute pre-warm of the same 40 replicas had no more cold starts.
	KeepReplicas float64
	// BusyCalls and BusySeconds are the calls and the time of busy
	// stretches beside the idle times (calls that end no idle time): with
	// them the invocation rate that prices a cold start is the function's
	// own (Config.WorthRate).
	BusyCalls, BusySeconds float64
	// sorted says Idle is in ascending order (+Inf last), Weight beside
	// it, in the order a sort of newSamplesByKey's keys gives: a Policy
	// keeps its histories so (history.order).
	sorted bool
}

// ChooseFor is Choose over weighted idle times.
func ChooseFor(l Learned, fallback time.Duration, cfg Config) Plan {
	return chooseFor(l, fallback, cfg, new(buffers))
}

// chooseFor is ChooseFor working in b's arrays.
func chooseFor(l Learned, fallback time.Duration, cfg Config, b *buffers) Plan {
	p, w := chooseQuietly(l, fallback, cfg, b)
	w.fill(&p)
	return p
}

// chooseQuietly is chooseFor with the plan's words left to the caller (fill).
func chooseQuietly(l Learned, fallback time.Duration, cfg Config, b *buffers) (Plan, planWords) {
	its := l.Idle
	cfg = cfg.withDefaults()
	if len(its) < cfg.MinSamples {
		why := "the zero-duration fallback"
		switch {
		case cfg.LearningKeepAlive > 0:
			fallback, why = cfg.LearningKeepAlive, "the learning keep-alive"
		case cfg.LearningKeepAlive == 0:
			fallback, why = min(cfg.ColdStartWorth, cfg.MaxKeepAlive), "what a cold start is worth (ski rental)"
		}
		return Plan{KeepAlive: fallback, Code: CodeLearning,
			Reason: fmt.Sprintf("%d idle time(s) seen, need %d: keep %s, %s", len(its), cfg.MinSamples, fallback, why)}, planWords{}
	}
	pk := math.Max(1, l.PreWarmReplicas)
	s := newSamples(its, l.Weight, math.Max(l.Serves, 1)*pk, b, l.sorted)
	s.pk, s.kr = pk, math.Max(1, l.KeepReplicas)
	worth := cfg.ColdStartWorth.Seconds()
	if cfg.WorthRate > 0 {
		// Invocations per hour over the remembered idle times (those beyond
		// the horizon count as the horizon) and the busy stretches between
		// them.
		span := s.prefix[len(s.x)] + (s.total-float64(len(s.x)))*cfg.Horizon.Seconds() + math.Max(l.BusySeconds, 0)
		rate := (s.weight + math.Max(l.BusyCalls, 0)) / math.Max(span, 1) * 3600
		worth *= math.Max(1, cfg.WorthRate/math.Max(rate, cfg.WorthRate/1000))
	}
	maxK := cfg.MaxKeepAlive.Seconds()
	lead := cfg.MinLead.Seconds()
	mg := cfg.Margin
	// The best candidate so far, made a Plan once at the end (bestPlan):
	// a busy function's keep-alives beat one another dozens of times a
	// replan, and each made a Plan (three roundings to the second).
	var bk, bp, bu, bcold, bidle float64
	bcode, found := CodeZeroNow, false
	bestJ := math.Inf(1)
	bestPlan := func() Plan {
		if !found {
			return Plan{Code: CodeZeroNow}
		}
		best := Plan{KeepAlive: secs(bk), Code: bcode, ExpectedCold: bcold / s.weight, ExpectedIdle: bidle / s.total}
		if bp > 0 {
			best.PreWarmAt, best.PreWarmUntil = secs(bp), secs(bu)
		}
		return best
	}
	// MaxKeepAlive bounds the warm time after an invocation in every
	// plan, so a pre-warm window cannot be an endless keep-alive.
	allowed := func(k, p, u float64) bool {
		return !(k > maxK || (p > 0 && (p <= k || u < p || k+(u-p) > maxK)))
	}
	consider := func(k, p, u, cold, idle float64, code Code) {
		j := cold + idle/worth
		if j < bestJ-1e-9 {
			bestJ, found = j, true
			bk, bp, bu, bcold, bidle, bcode = k, p, u, cold, idle, code
		}
	}
	try := func(k, p, u float64, code Code) {
		if allowed(k, p, u) {
			cold, idle := s.cost(k, p, u)
			consider(k, p, u, cold, idle, code)
		}
	}
	try(0, 0, 0, CodeZeroNow)
	// Keep-alives just above each idle time: ascending, so the count of
	// idle times each covers is a walk along them, not a search apiece. An
	// idle time equal to the one before it (learned at a step, a busy
	// function's are mostly a few values) is the same keep-alive at the
	// same cost, which cannot beat itself: it is skipped.
	h, prevK := 0, math.Inf(-1)
	for i, v := range s.x {
		if i > 0 && v == s.x[i-1] {
			continue
		}
		k := v * (1 + mg)
		if !allowed(k, 0, 0) {
			continue
		}
		if k < prevK || math.IsNaN(k) {
			h = s.atMost(k)
		} else {
			for h < len(s.x) && s.x[h] <= k {
				h++
			}
		}
		prevK = k
		if cold, idle := s.keepCost(h, k); cold+idle/worth < bestJ-1e-9 { // consider's own test
			consider(k, 0, 0, cold, idle, CodeKeepAlive)
		}
	}
	if cfg.PreWarmShare == 0 {
		// Pre-warming is off ("never pre-warm"): a plan counting on one
		// (pre-warm, periodic) zeroed a timer after each call, the
		// pre-warm never came, and every call was cold while the plan
		// said 0 %. The keep-alives and zero-now are what is left.
		return bestPlan(), planWords{n: len(its), beyond: len(its) - len(s.x), pending: true}
	}
	// Pre-warm windows over a grid of quantiles keep the search small.
	// The grid and the bursts in b's arrays: made anew, they were most of
	// what a replan allocated.
	grid := quantileGridInto(&b.grid, s.x, 48)
	bursts := append(b.bursts[:0], 0)
	for _, v := range grid {
		if k := v * (1 + mg); v <= 120 && k > bursts[len(bursts)-1] {
			bursts = append(bursts, k)
		}
	}
	b.bursts = bursts
	if len(bursts) > 6 {
		// A few short windows are enough to tell bursts from idling.
		var thin [6]float64 // thin[0] = 0
		for i := 1; i <= 5; i++ {
			thin[i] = bursts[(len(bursts)-1)*i/5]
		}
		bursts = append(bursts[:0], thin[:]...)
	}
	// Unloading only pays when the replica stays away for a while: the
	// gap between the burst window and the pre-warm is at least a minute
	// (and two leads), or the plan is a keep-alive in disguise.
	minGap := math.Max(60, 2*lead)
	pkm := math.Max(s.pk, 1) // as costAt
	// Each window's start p and end u, and their searches, once.
	ps, us := sized(&b.ps, len(grid)), sized(&b.us, len(grid))
	c1s, c2s := sized(&b.c1s, len(grid)), sized(&b.c2s, len(grid))
	// Starts and ends ascend with the grid (a margin in [0, 1), which
	// Validate requires), so their counts are walks along the idle times,
	// not two searches per grid value. Outside that range the walks may
	// count wrong, but only for windows never costed: with a margin of 1 or
	// more every start is below minGap, and below -1 every end is below its
	// start (TestChooseForMatchesThePlainSearch tries both).
	c1, c2 := 0, 0
	for i, v := range grid {
		ps[i], us[i] = v*(1-mg)-lead, v*(1+mg)+lead
		for c1 < len(s.x) && s.x[c1] < ps[i] {
			c1++
		}
		for c2 < len(s.x) && s.x[c2] <= us[i] {
			c2++
		}
		c1s[i], c2s[i] = c1, c2
	}
	// The pairs are most of a plan's work (thousands for a function with
	// many idle times): costAt's terms that depend on k and p only are
	// taken once per row, in the same order of additions, and consider is
	// called only for a pair that beats the best so far (its own test).
	//
	// A row (k, p) whose every pair must cost more than the best so far is
	// not walked at all (rowBound): its pairs would all fail that test. The
	// row's cheapest pair costs at least the cold starts of a window ending
	// past every idle time plus the idle time of its shortest window, as
	// cold starts only fall and idle time only grows as the end u moves
	// out. tol covers the rounding of the sums the bound and the pairs are
	// computed from, far above it (TestRowBoundSkipsNoBetterPair).
	tol := 0.0
	if n := len(grid); n > 0 { // none when every idle time is beyond the horizon
		tol = s.rowTol(math.Max(pkm, s.keeps()), worth, math.Abs(us[n-1])+math.Abs(ps[n-1])+bursts[len(bursts)-1])
	}
	for _, k := range bursts {
		h1 := s.atMost(k)
		idle0 := s.keepIdle(h1, k)
		for i, p := range ps {
			if p < k+minGap {
				continue
			}
			c1 := c1s[i]
			cold0 := s.wp[c1] - s.wp[h1]
			if rowBound(&s, cold0, idle0, pkm, c1, c2s[i], p, us[i], worth) >= bestJ-1e-9+tol {
				continue
			}
			for j := i; j < len(grid); j++ {
				u := us[j]
				if k+(u-p) > maxK {
					// us ascends and rounding is monotone: every later
					// end is too long as well.
					break
				}
				if !allowed(k, p, u) { // p ≥ minGap > 0: a pre-warm window
					continue
				}
				c2 := c2s[j]
				cold := cold0 + (s.weight - s.wp[c2]) + (s.xp[c2] - s.xp[c1])
				idle := idle0 + pkm*(s.prefix[c2]-s.prefix[c1]-float64(c2-c1)*p+(s.total-float64(c2))*(u-p))
				if cold+idle/worth < bestJ-1e-9 {
					consider(k, p, u, cold, idle, CodePreWarm)
				}
			}
		}
	}
	// The same minimum gap holds for a timer's window: a 70 s timer was
	// zeroed after each run and pre-warmed 40 s later, its pod deleted and
	// made again some 1,200 times a day to spare 30 s of idle time a call
	// (a review's finding).
	if per, ok := periodic(s.x, cfg); ok && per.PreWarmAt.Seconds() >= minGap {
		try(0, per.PreWarmAt.Seconds(), per.PreWarmUntil.Seconds(), CodePeriodic)
	}
	return bestPlan(), planWords{n: len(its), beyond: len(its) - len(s.x), pending: true}
}

// rowBound is a lower bound on the cost (cold + idle/worth) of every pair
// of a row of chooseQuietly's pre-warm search: keep-alive k (its terms
// cold0, idle0 as the row takes them), window start p (c1 idle times
// below it) and any end from u (c2 idle times at most u) on. Over the
// row's ends the cold starts are costAt's with the count at most u
// somewhere from c2 to all the idle times, and each idle time it takes in
// moves weight w from the missed to the covered, which adds back only the
// part of w the pre-warmed replicas cannot serve (≤ w): so they are at
// least those of a window covering every idle time. The idle time is at
// least that of the end u: moving the end from u to u' adds (u'-u) for
// every idle time beyond u' and x-u > 0 for each idle time x taken in.
func rowBound(s *samples, cold0, idle0, pkm float64, c1, c2 int, p, u, worth float64) float64 {
	n := len(s.x)
	cold := cold0 + (s.weight - s.wp[n]) + (s.xp[n] - s.xp[c1])
	idle := idle0 + pkm*(s.prefix[c2]-s.prefix[c1]-float64(c2-c1)*p+(s.total-float64(c2))*(u-p))
	return cold + idle/worth
}

// rowTol is by how much rowBound's bound must exceed the best cost so far
// for a row to be skipped: a share (rowBoundTol) of the largest sums the
// bound and the pairs' costs are made of, in a plan whose keep-alives,
// window starts and ends are at most span seconds apart together, each
// second priced on at most pkm replicas (the larger of a pre-warm's and a
// keep-alive's). Those
// costs are sums of up to a few hundred terms, each rounded at about 1e-16
// of them, so a pair the rounding puts below the bound is below it by far
// less than this.
func (s *samples) rowTol(pkm, worth, span float64) float64 {
	return rowBoundTol * (1 + s.weight + pkm*(s.prefix[len(s.x)]+s.total*span)/worth)
}

const rowBoundTol = 1e-9

// periodic recognises a timer: idle times whose 5th–95th percentile spread
// is within PeriodicTolerance of their median. The window is that spread
// plus MinLead on each side, tighter than the histogram grid can be.
func periodic(x []float64, cfg Config) (Plan, bool) {
	if len(x) < cfg.MinSamples {
		return Plan{}, false
	}
	q05, q50, q95 := quantile(x, 0.05), quantile(x, 0.5), quantile(x, 0.95)
	if q50 < 2*cfg.MinLead.Seconds() || q95-q05 > cfg.PeriodicTolerance*q50 {
		return Plan{}, false
	}
	lead := cfg.MinLead.Seconds()
	return Plan{PreWarmAt: secs(q05 - lead), PreWarmUntil: secs(q95 + lead)}, true
}

// quantile is the nearest-rank q-quantile of sorted x.
func quantile(x []float64, q float64) float64 {
	return x[max(0, min(len(x)-1, int(math.Ceil(q*float64(len(x))))-1))]
}

func quantileGrid(x []float64, n int) []float64 {
	return quantileGridInto(new([]float64), x, n)
}

// quantileGridInto is quantileGrid in *buf's array (kept there).
func quantileGridInto(buf *[]float64, x []float64, n int) []float64 {
	g := (*buf)[:0]
	if len(x) <= n {
		g = append(g, x...)
	} else {
		for i := 0; i <= n; i++ {
			g = append(g, x[(len(x)-1)*i/n])
		}
	}
	*buf = g
	return slices.Compact(g)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)).Round(time.Second) }

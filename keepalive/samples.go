package keepalive

import (
	"cmp"
	"math"
	"slices"
)

// samples is what a plan is chosen over: sorted idle times (seconds, +Inf
// for "did not come back within the horizon"), each with the weight of the
// invocations that ended it, and the candidates' costs over them.
type samples struct {
	x      []float64 // finite, sorted
	prefix []float64 // prefix[i] = x[0]+…+x[i-1]
	wp     []float64 // wp[i] = weight of x[0..i-1]
	xp     []float64 // xp[i] = weight of x[0..i-1] beyond what one pre-warmed replica serves
	total  float64   // idle times, finite + beyond
	weight float64   // their weight, finite + beyond
	// pk is how many replicas a pre-warm starts (below 1 counts as 1): it
	// pays each one's idle time, and together they serve pk times what one
	// serves (xp is computed with that).
	pk float64
	// kr is how many replicas a keep-alive keeps warm (below 1 counts as
	// 1, keeps): every second of a keep-alive is priced on each of them,
	// as every second of a pre-warm window is on each of pk. Priced on one
	// replica, a function whose floor is 40 was kept warm half an hour
	// after each call where a one-minute pre-warm of the same 40 had no
	// more cold starts (a review's finding).
	kr float64
}

// keeps is how many replicas a keep-alive is priced on (kr, at least 1).
func (s *samples) keeps() float64 {
	if s.kr > 1 {
		return s.kr
	}
	return 1
}

// buffers are a planner's working arrays, kept between plans by a Policy
// (which plans under its lock) so that a replan allocates nothing: the
// samples' arrays, the sort keys and the pre-warm grid's searches were half
// of the idler's allocations in a trace replay (issue 12). Nothing a plan
// returns points into them.
type buffers struct {
	keys              []uint64
	x, prefix, wp, xp []float64
	ps, us            []float64
	grid, bursts      []float64
	c1s, c2s          []int
}

// sized returns *a with length n, zeroed, reusing its array when it is
// long enough.
func sized[T any](a *[]T, n int) []T {
	*a = slices.Grow((*a)[:0], n)[:n]
	clear(*a)
	return *a
}

// newSamples sorts its with their weights ws (nil: each weighs 1); one
// replica serves serves requests at once (at least 1). Its arrays are b's.
// sorted: its are in newSamplesByKey's order already (Learned.sorted).
func newSamples(its, ws []float64, serves float64, b *buffers, sorted bool) samples {
	serves = math.Max(serves, 1)
	if sorted {
		if s, ok := newSamplesInOrder(its, ws, serves, b); ok {
			return s
		}
	}
	if s, ok := newSamplesByKey(its, ws, serves, b); ok {
		return s
	}
	return newSamplesBySort(its, ws, serves)
}

// newSamplesInOrder is newSamplesByKey for idle times already in the order
// its sort gives (ascending, ties in their order of arrival in the ring,
// +Inf last): the same values, weights and sums in the same order, with no
// sort. ok is false where newSamplesByKey's would be, or when its are out
// of order. One pass checks what exactSamples checks, the order, and sums
// (three passes were a fifth of a replan); what it refuses, it may have
// half written in b's arrays, which the other ways then write afresh.
func newSamplesInOrder(its, ws []float64, serves float64, b *buffers) (samples, bool) {
	if len(its) >= 1<<32 || serves != math.Trunc(serves) {
		return samples{}, false
	}
	m := len(its)
	x, prefix, wp, xp := grown(&b.x, m), grown(&b.prefix, m+1), grown(&b.wp, m+1), grown(&b.xp, m+1)
	prefix[0], wp[0], xp[0] = 0, 0, 0
	weight, n := 0.0, 0
	sx, sw, sb := 0.0, 0.0, 0.0 // the sums so far, as the arrays' last places (not read back from them)
	for i, v := range its {
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		inf := math.IsInf(v, 1)
		exact := inf || (float64(float32(v)) == v && !math.Signbit(v))
		// As exactSamples, without its calls (math.Trunc, math.Max are
		// not inlined): a weight in [0, 2³²) is whole when its uint32
		// is itself.
		if !exact || !(w >= 0 && w < 1<<32) || w != float64(uint32(w)) {
			return samples{}, false
		}
		weight += w
		if inf {
			continue
		}
		if n != i || (i > 0 && v < its[i-1]) {
			return samples{}, false // a finite value after +Inf or below the one before
		}
		beyond := 0.0 // math.Max(0, w-serves): neither is NaN
		if d := w - serves; d > 0 {
			beyond = d
		}
		sx, sw, sb = sx+v, sw+w, sb+beyond
		x[n], prefix[n+1], wp[n+1], xp[n+1] = v, sx, sw, sb
		n++
	}
	if weight >= 1<<53 {
		return samples{}, false
	}
	return samples{x: x[:n], prefix: prefix[:n+1], wp: wp[:n+1], xp: xp[:n+1], total: float64(m), weight: weight}, true
}

// grown returns *a with length n, its array reused when long enough and
// not cleared (newSamplesInOrder writes every place it reads).
func grown[T any](a *[]T, n int) []T {
	*a = slices.Grow((*a)[:0], n)[:n]
	return *a
}

// newSamplesBySort is newSamples for any input: pairs sorted through a
// comparison.
func newSamplesBySort(its, ws []float64, serves float64) samples {
	type iw struct{ x, w float64 }
	pairs := make([]iw, 0, len(its))
	weight := 0.0
	for i, v := range its {
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		weight += w
		if !math.IsInf(v, 1) {
			pairs = append(pairs, iw{v, w})
		}
	}
	slices.SortFunc(pairs, func(a, b iw) int { return cmp.Compare(a.x, b.x) })
	s := samples{x: make([]float64, len(pairs)), prefix: make([]float64, len(pairs)+1), wp: make([]float64, len(pairs)+1),
		xp: make([]float64, len(pairs)+1), total: float64(len(its)), weight: weight}
	for i, p := range pairs {
		s.x[i] = p.x
		s.prefix[i+1] = s.prefix[i] + p.x
		s.wp[i+1] = s.wp[i] + p.w
		s.xp[i+1] = s.xp[i] + math.Max(0, p.w-serves)
	}
	return s
}

// newSamplesByKey is newSamples for what a Policy holds: idle times that
// are float32 values ≥ 0 (its ring is float32) and whole-number weights.
// Each idle time and its index pack into one integer key (a non-negative
// float32's bits order as its value), and integers sort several times
// faster than pairs through a comparison function. The result is
// newSamples': the idle times come out in the same order, so their prefix
// sums are the same additions; only equal idle times may be permuted among
// themselves, which moves no sum that a search can return (those end
// between different values) but the weights', and whole-number weights
// (and what of them a whole number of requests per replica leaves) add up
// exactly in any order. ok is false when the input is not of that kind.
func newSamplesByKey(its, ws []float64, serves float64, b *buffers) (samples, bool) {
	weight, ok := exactSamples(its, ws, serves)
	if !ok {
		return samples{}, false
	}
	keys := slices.Grow(b.keys[:0], len(its))
	defer func() { b.keys = keys[:0] }()
	for i, v := range its {
		if !math.IsInf(v, 1) {
			keys = append(keys, uint64(math.Float32bits(float32(v)))<<32|uint64(i))
		}
	}
	slices.Sort(keys)
	n := len(keys)
	s := samples{x: sized(&b.x, n), prefix: sized(&b.prefix, n+1), wp: sized(&b.wp, n+1), xp: sized(&b.xp, n+1),
		total: float64(len(its)), weight: weight}
	for i, k := range keys {
		w := 1.0
		if ws != nil {
			w = ws[k&(1<<32-1)]
		}
		s.x[i] = float64(math.Float32frombits(uint32(k >> 32)))
		s.prefix[i+1] = s.prefix[i] + s.x[i]
		s.wp[i+1] = s.wp[i] + w
		s.xp[i+1] = s.xp[i] + math.Max(0, w-serves)
	}
	return s, true
}

// exactSamples reports whether its and ws are what a Policy holds, whose
// sums come out the same in any order: idle times that are non-negative
// float32 values (not NaN) or +Inf, whole-number weights (nil: 1 each)
// below 2³² totalling below 2⁵³ (partial sums never round), and a whole
// number of requests per replica. It returns the weights' total.
func exactSamples(its, ws []float64, serves float64) (weight float64, ok bool) {
	if len(its) >= 1<<32 || serves != math.Trunc(serves) {
		return 0, false
	}
	for i, v := range its {
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		exact := math.IsInf(v, 1) || (float64(float32(v)) == v && !math.Signbit(v))
		if !exact || w != math.Trunc(w) || w < 0 || w >= 1<<32 {
			return 0, false
		}
		weight += w
	}
	return weight, weight < 1<<53
}

// atMost counts samples ≤ v; below counts samples < v.
func (s *samples) atMost(v float64) int {
	i, _ := slices.BinarySearchFunc(s.x, v, func(a, b float64) int {
		if a <= b {
			return -1
		}
		return 1
	})
	return i
}

func (s *samples) below(v float64) int {
	i, _ := slices.BinarySearch(s.x, v)
	return i
}

// cost returns expected cold starts (the weight of the idle times a plan
// misses: every invocation that ends one waits for the cold start; of those
// a pre-warm covers, what its replicas cannot serve) and idle
// replica-seconds (per idle time, not weighted: one gap is one stretch of
// warm time; the keep-alive's on the kr replicas it keeps, the window's on
// the pk a pre-warm starts) of keep-alive k and pre-warm window [p, u]
// (p = 0: none).
func (s *samples) cost(k, p, u float64) (cold, idle float64) {
	h1 := s.atMost(k)
	if p <= 0 {
		return s.keepCost(h1, k)
	}
	return s.costAt(h1, s.below(p), s.atMost(u), k, p, u)
}

// keepCost is cost of keep-alive k alone, with h1 = atMost(k): its idle
// time held by each replica it keeps (keeps).
func (s *samples) keepCost(h1 int, k float64) (cold, idle float64) {
	return s.weight - s.wp[h1], s.keepIdle(h1, k)
}

// keepIdle is the idle replica-seconds of keep-alive k, h1 = atMost(k):
// each of the replicas it keeps (keeps) is warm through every idle time
// up to k. With one replica it is the idle seconds themselves, to the bit
// (a product by 1 is exact), so a function whose floor is 0 or 1 is priced
// as before.
func (s *samples) keepIdle(h1 int, k float64) float64 {
	return s.keeps() * (s.prefix[h1] + (s.total-float64(h1))*k)
}

// costAt is cost of a pre-warm window (p > 0) with the searches done:
// h1 = atMost(k), c1 = below(p), c2 = atMost(u). ChooseFor tries every
// pair of a grid with a few keep-alives, so it searches each value once
// instead of three times per pair.
func (s *samples) costAt(h1, c1, c2 int, k, p, u float64) (cold, idle float64) {
	idle = s.keepIdle(h1, k)
	// A pre-warm starts pk replicas: of the requests of the step that ends
	// the idle time they serve as many as pk replicas serve at once; the
	// rest of a burst are counted cold, as they may wait for the replicas
	// the scaler adds (a keep-alive keeps every replica the scaler left).
	// Each of the pk replicas is idle for the window.
	cold = s.wp[c1] - s.wp[h1] + (s.weight - s.wp[c2]) + (s.xp[c2] - s.xp[c1])
	idle += math.Max(s.pk, 1) * (s.prefix[c2] - s.prefix[c1] - float64(c2-c1)*p + (s.total-float64(c2))*(u-p))
	return cold, idle
}

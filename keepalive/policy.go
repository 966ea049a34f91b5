package keepalive

import (
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Policy learns idle times per function and serves plans. It is safe for
// concurrent use; its decisions are Choose over what it has observed.
type Policy struct {
	cfg Config
	mu  sync.Mutex
	fns map[provider.Ref]*history
	// scratch and wscratch are the float64 copies of one history that Choose
	// reads (it keeps nothing of them), reused under mu so a plan costs no
	// copy of its own.
	scratch, wscratch []float64
	bufs              buffers // the planner's working arrays, reused under mu
	due               dueCache
	dueSpecs          specCache // dueAt's
	seq               seqCache  // KeepAlive's
	// unknownTo is the end of the latest span whose invocations are not
	// known (Unknown): no idle time is learned across it.
	unknownTo time.Time
	// zeroedTo is the time up to which the counts functions were idled
	// from are current: each one held is its function's last up to then,
	// or none is; zeroedFrom is how far back they are complete: every
	// function that fell from then to zeroedTo has its count held
	// (zeroedhistory.go).
	zeroedFrom, zeroedTo time.Time
	// unlisted counts the histories the last Listed found unlisted (and
	// did not forget); a history made since is of a function just seen.
	unlisted int
	// idleTimes is how many idle times the histories hold together
	// (bounded by maxIdleTimes: mayGrow).
	idleTimes int
	// firsts is each function's first call since firstsFrom, while a fill
	// of older history may still end an idle time there (rebuildfill.go);
	// nil otherwise.
	firsts     map[provider.Ref]firstCall
	firstsFrom time.Time
	// learnedFrom is how far back the calls the histories were learned
	// from reach (noteLearnedFrom; zero: none read yet).
	learnedFrom time.Time
}

// history is one function's recent idle times, in seconds (+Inf beyond the
// horizon), in a ring, and the cached plan. The ring is float32: up to
// History (256) per function learned from the gateway, so at float64 it
// was 2 KiB a function; float32 keeps 24 bits of mantissa, a resolution
// of under 8 ms at the 24 h horizon, far below the second a plan is
// worded in. It grows as idle times arrive, never allocated ahead. ws[i] is
// how many invocations came when its[i] ended (ObserveCount's count for
// the step; 1 for Observe).
//
// The fields are ordered by size, so none is padded: 144 bytes, Go's
// 144-byte size class (TestHistoryFitsItsSizeClass).
type history struct {
	last time.Time
	// slack is how much earlier than last the last invocation can have
	// been: 0 for a time seen exactly (Observe), up to the step for one
	// counted in a step (ObserveCount places it there). Pre-warm windows
	// open from the earliest time, so a pre-warm keeps MinLead ahead of
	// the next call wherever the call fell in its step.
	slack time.Duration
	// e is the ring of idle times with their weights and, by rank, their
	// order (idleTime): kept in order as idle times arrive so a replan
	// reads them sorted (sorting them at every replan was half of a
	// replan).
	e    []idleTime
	next int
	// unlistedAt is when a listing first missed the function (Unix ns; 0:
	// listed, or not asked yet): see Listed.
	unlistedAt int64
	// *planCache is the plan and what it was made of, nil until the first
	// plan: most functions of a fleet keep a fixed zero-duration and are
	// never asked one, and inline it made every history 256 bytes instead
	// of 144 (issue 12). Made once, it stays, and planned says whether it
	// is still good.
	*planCache
	serves   float32 // requests one replica serves at once, from the idler (0: not told)
	zeroedAt uint32  // replicas when the idler last scaled it to zero (0: not seen; a pre-warm starts 1)
	// added is how many idle times were added since the plan was made
	// (read only while planned; it saturates rather than wraps).
	added uint32
	seen  bool
	// lastLate: last is where a late count was placed (ObserveLateCount),
	// not when the call was; the idle time from it is not learned.
	lastLate bool
	planned  bool // the plan in planCache is good (SetPrice, Zeroed, serves and a cut clear it)
	// wordsPending: the plan's reason is not worded yet (planWords); here,
	// in the padding, rather than a word of planCache.
	wordsPending bool
}

// planCache is a history's plan, made at the first plan (planLocked) and
// remade in place when it goes stale: what it was made with and when, and
// what its reason is worded from while not worded yet (planWords). 112
// bytes, Go's 112-byte size class, so a planned function's history and plan
// together take the 256 bytes the history took alone.
type planCache struct {
	plan        Plan
	fallback    time.Duration
	plannedA    time.Time
	wordsN      uint32
	wordsBeyond uint32
}

// New returns a policy; cfg's zero fields take defaults.
func New(cfg Config) (*Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Policy{cfg: cfg.withDefaults(), fns: map[provider.Ref]*history{}}, nil
}

// SetPrice changes the cold-start price and the pre-warm share of a running
// policy (a configuration reload); learned idle times are kept, plans are
// recomputed on their next use.
func (p *Policy) SetPrice(worth time.Duration, share float64) error {
	c := p.cfgCopy()
	c.ColdStartWorth, c.PreWarmShare = worth, share
	if err := c.Validate(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg = c.withDefaults()
	for _, h := range p.fns {
		h.planned = false
	}
	return nil
}

func (p *Policy) cfgCopy() Config {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

func (p *Policy) get(ref provider.Ref) *history {
	h := p.fns[ref]
	if h == nil {
		h = &history{}
		p.fns[ref] = h
	}
	return h
}

func (p *Policy) push(h *history, it time.Duration, n int) {
	v := p.idleValue(it)
	j := h.next
	last := len(h.e) // the last rank once it is free
	if len(h.e) == 0 || p.mayGrow(h) {
		j = len(h.e)
		h.e = append(growIdleTimes(h.e, p.growthLimit(h)), idleTime{it: v, w: weightOf(n)})
		p.idleTimes++
	} else {
		// The oldest leaves its place in the order before it is replaced.
		last--
		h.shiftRanks(h.place(j), last)
		h.e[j].it, h.e[j].w = v, weightOf(n)
		h.next = (h.next + 1) % len(h.e)
	}
	k := h.place(j) // among the others: the last rank is free
	h.shiftRanks(last, k)
	h.e[k].rank = uint16(j)
	if h.added < math.MaxUint32 {
		h.added++
	}
}

// idleValue is idle time it as a ring holds it: seconds, +Inf at or past
// the horizon ("did not come back").
func (p *Policy) idleValue(it time.Duration) float32 {
	if it >= p.cfg.Horizon {
		return float32(math.Inf(1))
	}
	return float32(it.Seconds())
}

// orderKey is position j's key in the order: a non-negative float32's bits
// order as its value (+Inf last), and the position breaks ties.
func (h *history) orderKey(j int) uint64 {
	return uint64(math.Float32bits(h.e[j].it))<<32 | uint64(j)
}

// place is where position j's key belongs among order's first len-1
// entries (where it is, when it is there).
func (h *history) place(j int) int {
	kj := h.orderKey(j)
	return sort.Search(len(h.e)-1, func(k int) bool { return h.orderKey(int(h.e[k].rank)) >= kj })
}

// Observe records an invocation of ref that started at at. Invocations must
// come in time order per function; an earlier one is ignored.
func (p *Policy) Observe(ref provider.Ref, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.get(ref)
	if h.seen {
		if at.Before(h.last) {
			return
		}
		if !h.last.Before(p.unknownTo) && !h.lastLate { // not across unknown activity (Unknown, a late count)
			p.push(h, at.Sub(h.last), 1)
		}
	} else {
		p.noteFirst(ref, at, 0, 1)
	}
	h.seen, h.last, h.slack, h.lastLate = true, at, 0, false
}

// ObserveCount records n invocations counted in the interval of length step
// ending at end, as a counter scraped every step (or a Prometheus range
// query with that step) shows them: one idle time, from the previous
// invocation to the first of these (the middle of the first of n even
// slots), weighing n — a cold start at its end would be paid by the n
// requests of the step (all of them for a burst; an upper bound when they
// are spread out). A step that follows an active step adds no idle time.
// The gaps between the n are not idle times either: a step
// cannot tell them, and as n-1 tiny idle times they would fill the history
// with one busy step and push out the gaps between steps that a keep-alive
// is chosen on. This is how the live feeder and the rebuild from history
// after a restart learn.
func (p *Policy) ObserveCount(ref provider.Ref, end time.Time, step time.Duration, n int) {
	p.observeCount(ref, end, step, n, false)
}

// ObserveLateCount records n invocations counted in the step ending at end
// that were started at some unknown time before it (metricsource.Count's
// Late: the function's counter was missing from the reads for a while, its
// gateway not scraped, and its calls were counted when it was read
// again). They are the function's last invocations as ObserveCount's are,
// but they end no idle time, and the one they start is not learned either:
// both would be measured from a time that is only a bound (missing is not
// zero).
func (p *Policy) ObserveLateCount(ref provider.Ref, end time.Time, step time.Duration, n int) {
	p.observeCount(ref, end, step, n, true)
}

func (p *Policy) observeCount(ref provider.Ref, end time.Time, step time.Duration, n int, late bool) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.get(ref)
	start := end.Add(-step)
	// A step right after an active one continues the same busy stretch:
	// the gap between them is under a step, which no keep-alive the idler
	// can act on would miss. Pushed as an idle time, an hour of steady
	// traffic would fill the history with such gaps and push out the lulls
	// a keep-alive is chosen on.
	// Nor is an idle time learned across a span of unknown activity
	// (Unknown): the function may have been called in it.
	if h.seen && !late && !h.lastLate && endsIdleTime(h.last, start, step) && !h.last.Before(p.unknownTo) {
		p.push(h, firstOfStep(start, step, n).Sub(h.last), n)
	}
	// The last of the n is placed in the last slot, for the idle time it
	// will start; it may have been anywhere in the step, so the pre-warm
	// window is timed from the step's start (slack): placed mid-step, a
	// call early in its step was pre-warmed up to half a step late, and a
	// timer relearned at the rebuild's 1 m steps 1 s before its call
	// instead of MinLead.
	if !h.seen && !late {
		p.noteFirst(ref, start, step, n)
	}
	if last := start.Add(step - step/time.Duration(2*n)); !h.seen || last.After(h.last) {
		h.seen, h.last, h.slack, h.lastLate = true, last, last.Sub(start), late
	}
}

// firstOfStep is where the first of n calls counted in the step of length
// step from start is placed: the middle of the first of n even slots (start
// itself for a call seen exactly, step 0).
func firstOfStep(start time.Time, step time.Duration, n int) time.Time {
	if step <= 0 {
		return start
	}
	return start.Add(step / time.Duration(2*max(n, 1)))
}

// endsIdleTime says whether calls counted in the step of length step from
// start end an idle time begun by a call at last: not when the step
// follows an active one (under a step after last), which continues the
// same busy stretch (observeCount).
func endsIdleTime(last, start time.Time, step time.Duration) bool {
	return !start.Before(last) && start.Sub(last) >= step
}

// Unknown records that the invocations of every function up to end are not
// known: the feeder could not read a step. The next invocation seen after it then starts a new idle time
// instead of ending one that began before it: an idle time measured across
// the gap would read "unknown" as "no invocations" (missing is not zero).
//
// Only learning stops at the gap; the last invocation seen still places
// the plans' windows (Plan, KeepAlive, Due). Forgetting it would withdraw
// every pending pre-warm, and the pre-warm windows the idler keeps, at
// each blip of the metrics, and a function still at zero after the gap
// had no call in it (a call would have woken it). One time for all
// functions, so a gap costs no pass over them.
func (p *Policy) Unknown(end time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if end.After(p.unknownTo) {
		p.unknownTo = end
	}
}

// Plan returns ref's plan and the time of its last invocation (zero when
// none was seen). The plan is recomputed when new idle times arrived: at
// once while learning or when an eighth of the history is new, else at most
// every replanEvery of now.
func (p *Policy) Plan(ref provider.Ref, fallback time.Duration, now time.Time) (Plan, time.Time) {
	plan, last, _ := p.planSlack(ref, fallback, now)
	return plan, last
}

// planSlack is Plan with how much earlier than the last invocation's time
// it can have been (history.slack).
func (p *Policy) planSlack(ref provider.Ref, fallback time.Duration, now time.Time) (Plan, time.Time, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.get(ref)
	plan, last := p.planLocked(h, fallback, now)
	h.worded() // into h.plan, which plan points to
	return *plan, last, h.slack
}

// replanEvery is how often a plan takes in a few new idle times. A busy
// function adds one nearly every learning step, and replanning it every
// minute (the first choice) was a seventh of a trace replay's CPU, while a
// few idle times among up to 256 seldom move a plan, and an eighth of the
// history new replans at once. Five minutes, chosen on the tune cells
// (docs/sim.md, "Session 13"): 1 minute, 5 minutes and never were tried.
const replanEvery = 5 * time.Minute

// planLocked is Plan for h; the caller holds mu. The plan is h's own,
// read in place while mu is held: the idler asks about every function
// every cycle and Due about every one at zero every pass, and a copy of
// the whole Plan returned to each, for the two or three fields each reads,
// was a sixth of both.
func (p *Policy) planLocked(h *history, fallback time.Duration, now time.Time) (*Plan, time.Time) {
	stale := !h.planned || h.fallback != fallback ||
		(h.added > 0 && (h.added >= uint32(len(h.e)/8) || now.Sub(h.plannedA) >= replanEvery || len(h.e) <= p.cfg.MinSamples))
	if stale {
		if h.planCache == nil {
			h.planCache = new(planCache)
		}
		p.scratch, p.wscratch = p.scratch[:0], p.wscratch[:0]
		for k := range h.e {
			it := &h.e[h.e[k].rank]
			p.scratch = append(p.scratch, float64(it.it))
			p.wscratch = append(p.wscratch, float64(it.w))
		}
		var w planWords
		h.plan, w = chooseQuietly(Learned{Idle: p.scratch, Weight: p.wscratch, Serves: float64(h.serves),
			PreWarmReplicas: float64(h.zeroedAt), sorted: true}, fallback, p.cfg, &p.bufs)
		h.wordsPending, h.wordsN, h.wordsBeyond = w.pending, uint32(w.n), uint32(w.beyond)
		h.planned, h.plannedA, h.added, h.fallback = true, now, 0, fallback
	}
	if !h.seen {
		return &h.plan, time.Time{}
	}
	return &h.plan, h.last
}

// KeepAlive is the idler's hook (idler.KeepAlivePolicy): how long a function
// must have been without invocations before it may go to zero, now. Inside a
// pre-warm window it is the window's end, so the idler leaves the pre-warmed
// replica alone. serves is how many requests one of the function's replicas
// serves at once (from its labels; the idler knows them, the feeder does
// not): what one pre-warmed replica can take of a burst. Plans made before
// the idler first told it (the pre-warmer's, right after a start) count 1.
func (p *Policy) KeepAlive(ref provider.Ref, fallback time.Duration, serves float64, now time.Time) (time.Duration, string) {
	p.mu.Lock()
	h := p.seq.get(p, ref) // one lookup for both: the idler asks of every function every cycle
	if v := float32(serves); v != h.serves {
		h.serves, h.planned = v, false
	}
	pl, last := p.planLocked(h, fallback, now)
	plan := Plan{KeepAlive: pl.KeepAlive, PreWarmAt: pl.PreWarmAt, PreWarmUntil: pl.PreWarmUntil, Code: pl.Code} // what is read after mu
	slack := h.slack
	p.mu.Unlock()
	if !last.IsZero() && plan.InPreWarm(now.Sub(last), slack) {
		return plan.PreWarmUntil, string(plan.Code) + " (in the pre-warm window)" // not fmt: the idler asks of every function every cycle
	}
	k := plan.KeepAlive
	if k <= 0 {
		// The idler takes a positive duration; one second means "at once".
		k = time.Second
	}
	return k, string(plan.Code)
}

// Zeroed is the idler's report (idler.ZeroObserver) that it scaled ref to
// zero from replicas. A pre-warm of the function starts that many again:
// zero-then-pre-warm is a keep-alive with a hole in it, so it gives back
// what the keep-alive would have kept. A function whose activations need
// two replicas, pre-warmed with one, makes the rest of each activation
// wait for a cold start the plan did not price. After a restart, Rebuild
// reads it from the gateway's replica history (gateway_service_count);
// without that history, a pre-warm starts one replica until the idler next
// idles the function. The count is what the scaler held then, so a
// function whose activations need fewer comes back down after the
// scaler's down window.
func (p *Policy) Zeroed(ref provider.Ref, replicas uint64) {
	p.setZeroed(ref, replicas, true)
}

// ForgetZeroed drops every count a function was idled from. The counts are
// this replica's own (its idler records them while it leads): after a term
// in which another replica led, they are an earlier term's, and a pre-warm
// started the count of an idle hours old (8 where the other leader had
// idled the function from 1 since). Until the idler idles a function again,
// a pre-warm starts one replica, as with no history.
func (p *Policy) ForgetZeroed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.fns {
		if h.zeroedAt != 0 {
			h.zeroedAt, h.planned = 0, false
		}
	}
}

// setZeroed records the count ref went to zero from; the rebuild from
// history (replace false) never replaces what the idler has told the
// policy since it started. It says whether it set the count.
func (p *Policy) setZeroed(ref provider.Ref, replicas uint64, replace bool) bool {
	if replicas == 0 {
		return false
	}
	v := uint32(min(replicas, math.MaxUint32))
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.get(ref)
	if h.zeroedAt != 0 && !replace {
		return false
	}
	if v != h.zeroedAt {
		h.zeroedAt, h.planned = v, false
	}
	return true
}

// PreWarm is a function whose plan wants replicas now although it has had
// no invocation for a while.
type PreWarm struct {
	Ref    provider.Ref
	Since  time.Duration // since the last invocation
	Until  time.Time     // end of the window
	Reason string
	// Replicas is how many to start: the count the function had when it
	// was last idled (1 when not seen since the policy started).
	Replicas uint64
}

// preWarmReplicas is how many replicas a pre-warm of ref starts (≥ 1).
func (p *Policy) preWarmReplicas(ref provider.Ref) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.fns[ref]; h != nil {
		return h.preWarmReplicas()
	}
	return 1
}

// preWarmReplicas is how many replicas a pre-warm of h's function starts.
func (h *history) preWarmReplicas() uint64 {
	if h.zeroedAt > 1 {
		return uint64(h.zeroedAt)
	}
	return 1
}

// Due lists the functions among atZero whose pre-warm window is open at
// now, so that with the prewarmed functions already warm at most
// PreWarmShare of the functions the policy knows are pre-warmed at once (at
// least one when the share is positive; a function the idler's last
// listing did not list is not known); the soonest-closing windows first.
func (p *Policy) Due(now time.Time, atZero []provider.Ref, prewarmed int, fallback time.Duration) []PreWarm {
	return p.dueAt(now, atZero, nil, nil, 0, prewarmed, fallback)
}

// dueAt is Due for the pre-warmer, which also says where each of atZero
// is in its listing (places[i]) and its entry for it (specs[i]): Due's
// cache then remembers each function at its place in the listing
// (specCache) rather than at its place among atZero. places and specs nil,
// or a listing of more functions (listed) than the cache keeps: as Due.
func (p *Policy) dueAt(now time.Time, atZero []provider.Ref, places []int, specs []*prewarmSpec, listed, prewarmed int, fallback time.Duration) []PreWarm {
	if len(places) != len(atZero) || len(specs) != len(atZero) || listed > keptAtZero {
		places, specs = nil, nil
	}
	var out []PreWarm
	// One hold of mu for the pass over atZero, not one per function (a
	// lock and an unlock per function every 10 s were a third of Due).
	p.mu.Lock()
	for i, ref := range atZero {
		var h *history
		if specs != nil {
			h = p.dueSpecs.at(p, places[i], specs[i], ref)
		} else {
			h = p.due.at(p, i, len(atZero), ref)
		}
		plan, last := p.planLocked(h, fallback, now)
		if last.IsZero() {
			continue
		}
		if since := now.Sub(last); plan.InPreWarm(since, h.slack) {
			h.worded()
			out = append(out, PreWarm{Ref: ref, Since: since, Until: last.Add(plan.PreWarmUntil), Reason: h.plan.Reason,
				Replicas: h.preWarmReplicas()})
		}
	}
	share := p.cfg.PreWarmShare // under mu: a reload's SetPrice writes it
	limit := int(share * float64(p.known()))
	p.mu.Unlock()
	slices.SortFunc(out, func(a, b PreWarm) int { return a.Until.Compare(b.Until) })
	if share > 0 {
		limit = max(limit, 1)
	}
	limit = max(0, limit-prewarmed)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

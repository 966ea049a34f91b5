package keepalive

import (
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
	// handover is the calls the rebuild at a start counted in the steps
	// the feeder's first read reads again (handover.go); nil once read.
	// feederStep is the feeder's step (NewFeeder), which sets how far
	// back that read goes.
	handover   map[provider.Ref]int32
	feederStep time.Duration
	// bounds is the min and max replicas of each function the pre-warmer
	// lists opted in (setBounds): a pre-warm starts the count the function
	// was idled from within them, and its plan prices that count (and a
	// keep-alive on max(min, 1), the floor it holds: keepsLocked). Here,
	// not in history, which stays in its size class (history_size_test.go).
	bounds map[provider.Ref]replicaBounds
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
	serves float32 // requests one replica serves at once, from the idler (0: not told)
	// busyCalls and busySecs are the calls and the time of busy stretches
	// that no idle time holds (steps right after an active one, and a
	// step's calls after its first), for the invocation rate that prices a
	// cold start; they fade as the ring replaces its oldest idle times, so
	// they cover about what it holds (busy).
	busyCalls, busySecs float32
	zeroedAt            uint32 // replicas when the idler last scaled it to zero (0: not seen; a pre-warm starts 1, or the min)
	// added is how many idle times were added since the plan was made
	// (read only while planned; it saturates rather than wraps).
	added uint32
	seen  bool
	// lastLate: last is where a late count was placed (ObserveLateCount),
	// not when the call was; the idle time from it is not learned.
	lastLate bool
	planned  bool // the plan in planCache is good (SetPrice, Zeroed, serves and a cut clear it)
	// zeroedLive: zeroedAt is what this replica's idler told (Zeroed), not
	// a fall read from history; a term's refresh makes every count history's.
	zeroedLive bool
	// wordsPending: the plan's reason is not worded yet (planWords); here,
	// in the padding, rather than a word of planCache.
	wordsPending bool
	// tail is how far (ms, at least 1) the step last was counted in ends
	// after it, 0 for a call seen at its time (Observe): a step is a busy
	// stretch's next when it starts where that one ended (endsIdleTime).
	// Here, in the padding: the history stays 112 bytes.
	tail uint32
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

package idler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// Idler scales opted-in idle functions to zero on a cron schedule. Build it
// with New; drive it with Run (wall or bubble clock) or RunOnce (virtual time).
type Idler struct {
	cfg      Config
	sched    RunSchedule
	log      *slog.Logger
	m        *metrics
	schedule scheduleCache

	cycleMu sync.Mutex // one cycle at a time
	// specGen numbers the label defaults in force (cfg.Defaults; guarded by
	// cycleMu): a function's parse is reused while made under the same one,
	// so no function keeps a copy of the defaults to compare.
	specGen uint64

	mu     sync.Mutex // guards state
	state  map[provider.Ref]*fnState
	cycles uint64
	// explained: a cycle since Run last began (a process start, a
	// leadership term) has explained every function it listed (finish),
	// so the explain API may list them (NotListed). Not the count of
	// cycles: a cycle explains most functions only as it ends, and a
	// former term's explanations are not this term's.
	explained bool
	// cycleAt is the now of the last cycle that listed the functions (the
	// cycles-th), prevCycleAt of the one before: when each function's kept
	// explanation was made (explained.stale says which), kept here once
	// rather than a time.Time in every function's state (guarded by mu).
	cycleAt, prevCycleAt time.Time
	// term is what Explain says of a function before the term's first
	// cycle has explained it (pending.go; guarded by mu).
	term termState

	// rescheduled wakes Run when SetTuning changes the schedule, so it waits
	// for the new schedule's next run, not the old one's (a year away, for
	// a yearly schedule reloaded to "@every 30s"). Buffered: a change made
	// while Run is in a cycle is seen when it next waits.
	rescheduled chan struct{}

	// missingLogged is the missing-data reason last logged per window
	// (guarded by cycleMu): a WARN when it changes, not every cycle.
	missingLogged map[time.Duration]string

	// autoSources words an automatic keep-alive's source once per policy
	// reason and duration (guarded by cycleMu): a fleet has a handful, and
	// formatting one for every function every cycle was a sixth of the
	// idler's cycle in the trace replay.
	autoSources map[autoSource]string
	autoGen     uint64 // counts the autoSources maps made (placed.go)
	// placed is the last listing's places (placed.go; guarded by cycleMu,
	// set under mu too).
	placed []placed
	// coveredFloor is the metrics source's shortest covered window
	// (metricsource.ShortestCoveredWindow), read once a cycle: the
	// Prometheus source's follows the scrape interval it learns.
	coveredFloor time.Duration
	// observedFrom is when this cycle's first activity query was asked
	// (observe; guarded by cycleMu): the re-check reaches back to it.
	observedFrom time.Time
	// runStarted is when Run began (a process start, a leadership term):
	// see wakesSeenBy. Zero when cycles are run without Run (RunOnce
	// alone: tests, the simulator).
	runStarted time.Time
	// cycleWakes is this cycle's wakesSeenBy.
	cycleWakes time.Time
	// cycleStarted is runStarted as this cycle read it (guarded by
	// cycleMu): logMissing tells coverage still building up after a start
	// from coverage lost.
	cycleStarted time.Time
	// cycleNext is the schedule's next run after this cycle's now, and
	// after its end as lastTook guesses it (set under cycleMu): a
	// scheduled minimum starting by then is restored now
	// (schedule_restore.go).
	cycleNext time.Time
	// lastTook is how long the last cycle took (guarded by cycleMu).
	lastTook time.Duration
	// toldListing is when the keep-alive policy was last told the
	// listing (ListingObserver; guarded by cycleMu).
	toldListing time.Time

	// chunks are the work items' arrays of the last cycle, reused by the
	// next (guarded by cycleMu; nothing keeps an item past its cycle). At
	// most keptChunks are kept, so a large fleet does not hold its items
	// between cycles (tens of MB at 100,000 functions); a small one stops
	// allocating them every cycle, which was a seventh of a trace replay's
	// allocations (issue 12).
	chunks [][]work
	// verdicts is the array of the last cycle's CycleReport.Verdicts,
	// reused by the next (guarded by cycleMu) while it holds at most
	// keptVerdicts: a new one every cycle was an eighth of a trace
	// replay's allocations (issue 12), for a report the loop drops.
	verdicts []FunctionVerdict
	// refs and parts are the last activity query's functions and answers
	// (query), reused by the next query (guarded by cycleMu) while they
	// hold at most keptVerdicts: a window's answer is read before the
	// next window is asked about.
	refs  []provider.Ref
	parts []metricsource.FunctionActivity
	// byWindow and windows are observe's grouping of the cycle's items by
	// query window, reused by the next cycle (guarded by cycleMu; the
	// items' pointers cleared) while they hold at most keptVerdicts
	// items: a new map and its slices grown by appends every cycle were
	// 2.7 % of a trace replay's allocations.
	byWindow map[time.Duration][]*work
	windows  []time.Duration
	// sts and items are prepare's arrays of the cycle's states (by
	// listing place) and work items, reused by the next cycle (guarded by
	// cycleMu; RunOnce clears them as it clears the chunks) while they
	// hold at most keptVerdicts: made anew every cycle, they were 17 MB
	// of a replayed day's 306.
	sts   []*fnState
	items []*work
}

// keptVerdicts bounds the verdicts array kept between cycles, and the
// activity query's arrays.
const keptVerdicts = 4096

// keptChunks bounds Idler.chunks: 16 arrays of chunkItems items.
const keptChunks = 16

// chunkItems is how many work items one array holds.
const chunkItems = 256

// New validates cfg, applies defaults and registers the metrics.
func New(cfg Config) (*Idler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	sched, err := ParseRunSchedule(cfg.Schedule)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("idler: register metrics: %w", err)
	}
	return &Idler{
		cfg:         cfg,
		sched:       sched,
		log:         cfg.Logger.With("component", "idler"),
		m:           m,
		state:       make(map[provider.Ref]*fnState),
		specGen:     1,
		rescheduled: make(chan struct{}, 1),
	}, nil
}

// Name is the explain API section this component fills.
func (d *Idler) Name() string { return "idle" }

// NewTerm says a leadership term begins, before Run does: from now until
// this term's first cycle has explained every function, the explain API
// has none of them (NotListed), not the former term's. A term may start
// Run only after the keep-alive refresh (up to its rebuild timeout), and
// meanwhile it answered with what the last term's idler saw.
func (d *Idler) NewTerm() {
	d.mu.Lock()
	d.explained = false
	d.beginTerm(d.cfg.Clock.Now())
	d.mu.Unlock()
}

// NextRun is when Run will start the next cycle after now. Pure.
func (d *Idler) NextRun(now time.Time) time.Time { return d.runSchedule().Next(now) }

// Run runs a cycle at each time of the schedule until ctx is done. It sleeps
// on the injected clock, so inside a synctest bubble it runs on virtual time.
func (d *Idler) Run(ctx context.Context) error {
	d.mu.Lock() // SetTuning writes these under mu
	sched, zero, maintainMin := d.sched, d.cfg.DefaultZeroDuration, d.cfg.MaintainMin
	d.runStarted = d.cfg.Clock.Now()
	d.explained = false
	if d.term.at.IsZero() { // begun by NewTerm, before the keep-alive refresh, or now
		d.beginTerm(d.runStarted)
	}
	d.mu.Unlock()
	// The cycle's gauges describe this term: a replica whose term ended
	// exported its last count for good, and the dashboard's max() showed
	// it over the leader's (as the scaler's per-function series did).
	defer func() {
		d.m.atZero.Set(0)
		d.m.queriesCycle.Set(0)
		// What the last cycle explained is this term's: until a next
		// term's first cycle, the explain API has none (NotListed), not a
		// former term's served as current (a replica leading again waits
		// Act's warm-up before NewTerm and Run; found by a review).
		d.mu.Lock()
		d.explained = false
		d.term = termState{} // out of a term: nothing pending either
		d.mu.Unlock()
	}()
	d.log.Info("idler started", "schedule", sched.String(), "default_zero_duration", zero, "maintain_min", maintainMin)
	for {
		now := d.cfg.Clock.Now()
		wait := d.runSchedule().Next(now).Sub(now)
		if wait < time.Millisecond {
			wait = time.Millisecond
		}
		due := now.Add(wait)
		d.mu.Lock()
		d.term.next = due // what Explain says is due, while no cycle has explained
		d.mu.Unlock()
		// clock.Clock has tickers only: a ticker stopped after its first tick
		// is a timer.
		t := d.cfg.Clock.NewTicker(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-d.rescheduled:
			t.Stop()
			// A reload at the instant the slot is due (its tick ready too,
			// and select's pick random) runs the slot: the new schedule's
			// Next, strictly after now, would step over it, also when the
			// new schedule holds it.
			if d.cfg.Clock.Now().Before(due) {
				continue // wait again, for the new schedule's next run
			}
		case <-t.C():
			t.Stop()
		}
		d.RunOnce(ctx, d.cfg.Clock.Now())
		if d.cfg.OnCycle != nil {
			d.cfg.OnCycle()
		}
	}
}

// callCtx bounds one provider or source call. Only a cycle calls it, so
// under cycleMu, which SetCallTimeout holds to change the bound.
func (d *Idler) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.cfg.CallTimeout)
}

// GatewayReplicaPoll is how often the OpenFaaS gateway refreshes the
// replica counts it exports (gateway_service_count), from which the metrics
// source tells a wake from zero.
const GatewayReplicaPoll = 5 * time.Second

// wakesSeenBy is when a wake from zero made just before Run began is in the
// metrics source: one gateway poll and one scrape gap after (the source's
// shortest covered window is three of those gaps and a quarter, or three
// max gaps while the interval is unknown). Until then a function at one
// replica with no call looks idle, though it may have been woken (by an
// operator, or a pre-warm of the controller that just stopped) a second
// before: the restarted idler scaled it to zero 2.8 s after its wake.
// The caller holds mu.
func (d *Idler) wakesSeenBy() time.Time {
	if d.runStarted.IsZero() {
		return time.Time{}
	}
	return d.runStarted.Add(d.sourceLag())
}

// sourceLag is how long after a change of a function's replicas the
// metrics source may show it: one gateway poll and one scrape gap (a
// third of the source's shortest covered window).
func (d *Idler) sourceLag() time.Duration {
	return GatewayReplicaPoll + d.coveredFloor/3
}

// SetTuning swaps the idler's tuning (a configuration reload): the label
// defaults, maintain-min, the refused back-off and the schedule. It waits
// for a cycle in progress; the state of every function is kept. A changed
// schedule is in force at once: Run, waiting for the old schedule's next
// run, waits for the new one's instead.
func (d *Idler) SetTuning(defaults scaler.Defaults, maintainMin bool, refusedBackoff time.Duration, schedule string) error {
	sched, err := ParseRunSchedule(schedule)
	if err != nil {
		return err
	}
	if err := defaults.Validate(); err != nil {
		return err
	}
	d.cycleMu.Lock()
	defer d.cycleMu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if defaults != d.cfg.Defaults {
		d.specGen++ // every function's labels are parsed again
	}
	d.cfg.Defaults, d.cfg.DefaultZeroDuration = defaults, defaults.ZeroDuration
	// Only a change wakes Run: waking it for the same "@every" would push
	// its next run an interval later at every reload. Another text of the
	// same schedule is no change (SameSchedule).
	if !SameSchedule(schedule, d.cfg.Schedule) {
		select {
		case d.rescheduled <- struct{}{}:
		default: // a wake is already pending
		}
	}
	d.cfg.MaintainMin, d.cfg.RefusedBackoff, d.cfg.Schedule = maintainMin, refusedBackoff, schedule
	d.sched = sched
	return nil
}

// SetCallTimeout swaps the bound on each provider and source call (a reload
// of actuator.call_timeout, which the controller gives the idler too). It
// waits for a cycle in progress, whose calls keep the old bound.
func (d *Idler) SetCallTimeout(timeout time.Duration) error {
	if timeout <= 0 {
		return fmt.Errorf("idler: call timeout %s must be positive", timeout)
	}
	d.cycleMu.Lock()
	defer d.cycleMu.Unlock()
	d.cfg.CallTimeout = timeout
	return nil
}

func (d *Idler) runSchedule() RunSchedule {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sched
}

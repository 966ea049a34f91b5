package scaler

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fnState is what the loop remembers about one function. Guarded by Loop.mu,
// except the fields only passes touch (under passMu), as marked.
type fnState struct {
	ref       provider.Ref
	forgotten bool       // deleted from Loop.fns
	decided   bool       // a decision was made (beside forgotten: one padded word for these four)
	repeat    repeatKind // whether and how the last decision may be repeated while its inputs hold (repeat.go); passMu
	scaleDir  Direction  // State.LastScaleDir (kept.go)
	// The last Observation's capacity parts and which of its readings were
	// present, in the same padded word (keptObs has none spare):
	// fs.keepObs and fs.observation carry them.
	stablePart, burstPart metricsource.Part
	obsHas                obsHas
	// floored: the labels' parse found LoopConfig.MinFloorLabel (or none
	// is set), so MinFloor is asked (minFloor); in the word's last byte.
	floored bool
	// replicas is the provider's count at the last decision, updated by an
	// applied scale, for explain (the available count is obs's); not the
	// whole listed Function, whose 88 bytes the explain API never read.
	replicas uint64
	spec     *Spec // of the last decision (shared with parsed, never changed; nil before one)
	specErr  error
	// The State the last decision left, as kept.go keeps it: state() and
	// setState() convert.
	recs      []Recommendation
	lastScale time.Time
	modes     *modeState // nil: no burst, step or alert mode
	// before is the state the last decision was made on: with spec, obs and
	// the last record's time, the inputs that word a quiet decision again.
	// nil: the same as state (an idle function's decisions change nothing),
	// so only a function whose state moved pays for a second State.
	before *keptState
	obs    keptObs // the last decision's Observation (kept.go)
	// history is oldest first, at most max(HistorySize, 1): once decided,
	// its last record's Replicas is the last decision's count (desired).
	history []Record
	// seq numbers the records, so an outcome finds its own; pass is the
	// last pass that listed it (passMu). 32 bits each: at one decision a
	// second a function wraps seq in 136 years. Every decision adds one to
	// seq and, but for a repeat's, one to counts: settleCounts counts the
	// repeats from the difference.
	seq, pass uint32
	parsed    parsedSpec  // the labels' parse, reused while they do not change; passMu
	counts    []codeCount // decisions by reason code, for the metrics, the repeats not yet counted (settleCounts)
}

// desired is the last decision's count (its record's; 0 before one).
func (fs *fnState) desired() uint64 {
	if len(fs.history) == 0 {
		return 0
	}
	return fs.history[len(fs.history)-1].Replicas
}

// lastSays reports whether a decision made on trigger says what the last
// record says, so that it refreshes that record instead of adding one. The
// record is read, not a copy of its key kept beside it (56 bytes a
// function): only a pass writes a record's key fields and the history
// itself, and the caller's pass holds passMu (the actuator's outcome writes
// only Result and Error, under mu).
func (fs *fnState) lastSays(trigger string, d Decision) bool {
	if len(fs.history) == 0 {
		return false
	}
	r := &fs.history[len(fs.history)-1]
	return !r.Scale && !d.Scale && r.Trigger == trigger && r.Code == d.Code && r.Replicas == d.Replicas && r.Current == d.Current
}

// Tick is one full pass: list the functions, ask the source for each load
// type and window in use (once each, never per function), decide for every
// function and apply. Functions that disappeared are forgotten.
func (l *Loop) Tick(ctx context.Context, now time.Time) error {
	l.passMu.Lock()
	defer l.passMu.Unlock()
	start := l.cfg.Clock.Now()
	defer func() { l.metrics.duration.Observe(l.cfg.Clock.Now().Sub(start).Seconds()) }()

	fns, err := l.list(ctx)
	if err != nil {
		l.setProviderErr(err)
		l.metrics.errors.WithLabelValues("list").Inc()
		return fmt.Errorf("list functions: %w", err)
	}
	l.setProviderErr(nil)
	l.mu.Lock()
	l.pass++
	states, marked := l.statesLocked(fns, now, &l.scratch)
	l.reshareLocked()
	// A function this listing did not mark is gone (marking instead of a
	// set of the listed names: no map of every function per pass). Looked
	// for only when the listing marked fewer than the loop holds: walking
	// the map every pass to find none was a hundredth of a trace replay.
	var gone []provider.Ref
	if marked != len(l.fns) {
		for ref, fs := range l.fns {
			if fs.pass != l.pass {
				gone = append(gone, ref)
			}
		}
	}
	l.listed = true
	// Signals still queued (one whose function could not be read, or one
	// that came while this pass waited for passMu) are this pass's to act
	// on: the listing has their functions. One for a function the listing
	// does not have is dropped with it.
	var sigs map[provider.Ref]*Signal
	if batch := l.takePendingLocked(); batch != nil {
		sigs = make(map[provider.Ref]*Signal, len(batch))
		for ref, sig := range batch {
			sigs[ref] = &sig
		}
	}
	l.mu.Unlock()
	for _, ref := range gone {
		l.forget(ref)
	}
	// A tick decides quietly: the reason's words are made only for a
	// decision that changes something or is asked about (see decideAndApply).
	l.evaluate(ctx, fns, states, sigs, now, true, nil)
	if ctx.Err() == nil {
		// Every listed function decided in this term: what the loop holds
		// is current (NotListed).
		l.mu.Lock()
		l.heldOver = false
		l.mu.Unlock()
	}
	return nil
}

func (l *Loop) list(ctx context.Context) ([]provider.Function, error) {
	return provider.List(ctx, l.cfg.Provider, l.cfg.Namespaces)
}

// statesLocked returns each function's state, creating those seen for the
// first time, and marks them seen by this pass; marked counts the states
// it marked (fewer than fns when a listing names a function twice). The
// returned slice is *scratch, the loop's scratch space (Loop.scratch for a
// pass's listing, Loop.fewScratch for a few functions), valid until the
// next call with it. l.mu and passMu are held.
func (l *Loop) statesLocked(fns []provider.Function, now time.Time, scratch *[]*fnState) (states []*fnState, marked int) {
	// A listing comes in the provider's order, almost always the last one's:
	// the state at the same place is the function's when its ref matches,
	// which spares a map lookup per function (a tenth of a pass at 100,000).
	// Any state in prev will do as a guess (one that matches is the
	// function's: a state leaves l.fns only forgotten), so a few functions'
	// evaluation keeps its own (fewScratch), and the pass after it still
	// finds the last listing's order. prev[i] is read before states
	// overwrites it.
	prev := *scratch
	states = prev[:0]
	for i := range fns {
		fn := &fns[i] // not a copy of its 112 bytes per function per pass
		var fs *fnState
		if i < len(prev) && prev[i].ref == fn.Ref && !prev[i].forgotten {
			fs = prev[i]
		} else {
			fs = l.fns[fn.Ref]
		}
		if fs == nil {
			// The listing's counts until the first decision keeps its
			// observation (the explain API serves the function from now:
			// zeros read as a function at zero that the controller wants
			// there, while the pass waits for the metrics source).
			fs = &fnState{ref: fn.Ref, replicas: fn.Replicas, obs: keptObs{replicas: fn.Replicas, available: fn.AvailableReplicas}}
			l.fns[fn.Ref] = fs
			l.order, l.orderGen = nil, l.orderGen+1
			if fn.Replicas > 0 {
				// First sight (a start, a restart, a failover, a new function):
				// the count found is what someone wanted within the last down
				// window, for all this loop knows. Remembering it as a
				// recommendation means no scale-down before one down window has
				// passed — a restart used to forget a burst's peak and halve the
				// function every pass from the first (issue 15, item 5).
				fs.recs = []Recommendation{{At: InstantOf(now), Replicas: fn.Replicas}}
			}
		} else if fs.pass < l.termPass {
			// First sight in a new leadership term (newTerm): the same,
			// after this replica's own recommendations (a copy: the
			// explain API may hold the list), and decided in full. What
			// the modes and the last scale said is another leader's count
			// ago, as at a process start: a step ramp from an alert
			// resolved an hour before dropped the count the last leader
			// left to the floor at once, and an alert's base an hour old
			// took a function with no data back to it.
			if fn.Replicas > 0 {
				fs.recs = append(slices.Clip(fs.recs), Recommendation{At: InstantOf(now), Replicas: fn.Replicas})
			}
			fs.modes, fs.lastScale, fs.scaleDir = nil, time.Time{}, None
			fs.repeat = repeatNone
		}
		if fs.pass != l.pass {
			fs.pass = l.pass
			marked++
		}
		states = append(states, fs)
	}
	*scratch = states
	return states, marked
}

// evaluate decides and applies for fns (states[i] is fns[i]'s), sigs giving
// each one's trigger; out, when not nil, receives each decision. tick is a
// full pass: it skips the reason's words of decisions that change nothing,
// and asks the source about every function; otherwise (a follow-up, a
// signal: a function or two) the source is asked about fns only, where it
// can answer for fewer for less (metricsource.SubsetLoad). The caller holds
// passMu.
func (l *Loop) evaluate(ctx context.Context, fns []provider.Function, states []*fnState, sigs map[provider.Ref]*Signal, now time.Time, tick bool, out []Decision) {
	quiet := tick
	var queries []metricsource.LoadQuery
	var last *Spec // the last spec whose queries were added: specs are interned, most functions share one
	for i := range fns {
		spec, specErr := l.specOf(states[i], &fns[i])
		if specErr != nil || spec == last || spec.Step() || (spec.Static() && fns[i].Replicas > 0) {
			continue // a static function at zero needs its load to wake on
		}
		last = spec
		for _, w := range []time.Duration{l.cfg.StableWindow, l.cfg.BurstWindow} {
			if q := (metricsource.LoadQuery{Type: spec.Type, Window: w}); !slices.Contains(queries, q) {
				queries = append(queries, q)
			}
		}
	}
	// Each query's readings in fns' order (metricsource.LoadsAligned): the
	// pass reads every function's two by index, not by map lookups. A
	// type's windows are asked in one call (its queries are adjacent): a
	// source that can answers them in one pass over the functions.
	loads := l.loadScratch[:0]
	// A pass whose load read failed is counted once in
	// reconcile_errors_total{stage="load"}, whatever number of its queries
	// failed: FaasAutoscalerLoadReadsFailing divides it by the passes, and
	// counted per query (two windows a type, and the scrape check) it fired
	// at "half the passes" when a quarter failed (a review's finding).
	// Follow-up and alert evaluations are no passes: logged, not counted.
	loadFailed := false
	for k := 0; k < len(queries); {
		typ := queries[k].Type
		ws := l.windowScratch[:0]
		for ; k < len(queries) && queries[k].Type == typ; k++ {
			var buf []metricsource.Reading
			if n := len(loads) + len(ws); n < cap(loads) {
				buf = loads[:n+1][n].r // reuse the last pass's array
			}
			ws = append(ws, metricsource.WindowReadings{Window: queries[k].Window, R: buf})
		}
		// all on a tick: the source is asked about every function (one
		// query for the fleet); else about fns only, where it can answer
		// for fewer for less.
		metricsource.LoadsAligned(ctx, l.cfg.Source, typ, fns, tick, ws)
		for _, w := range ws {
			q := metricsource.LoadQuery{Type: typ, Window: w.Window}
			lq, err := queryReadings{q: q, r: w.R}, w.Err
			if why, partial := metricsource.PartialWhy(err); partial && len(lq.r) == len(fns) {
				// The answer may lack series: its readings are lower bounds
				// (the source left out those that are not), a function
				// without one is missing. Logged at debug: the source warns
				// once a minute, and a store can be down for hours.
				lq.partial = why
				l.log.Debug("load answer may be partial: its readings are lower bounds", "type", q.Type, "window", q.Window, "err", err)
			} else if err != nil {
				// Missing, not zero: functions of this type get no_data.
				loadFailed = true
				l.log.Warn("load query failed; those functions keep their replicas", "type", q.Type, "window", q.Window, "err", err)
				lq.failed = true
			}
			loads = append(loads, lq)
		}
		clear(ws) // the readings are loads' to keep or drop
		l.windowScratch = ws[:0]
	}
	l.loadScratch = loads
	if len(fns) > keptScratch {
		// A large fleet's readings go with the pass: kept, they would add
		// to the live heap between passes (3 MB at 100,000 functions),
		// which the process's memory target counts.
		defer func() { l.loadScratch = nil }()
	}

	lowerBound, downFailed := l.lowerBound(ctx, loads)
	if tick && (loadFailed || downFailed) {
		l.metrics.errors.WithLabelValues("load").Inc()
	}
	queued := l.backlogAtZero(ctx, fns, states, sigs, loads)
	var lt loadsOfType // the last type's two readings: most functions share a type
	held := false      // repeat left mu held (see repeat)
	defer l.release(&held)

	for i := range fns {
		fn := &fns[i] // not a copy of it per function per pass
		if held && i%repeatRun == 0 {
			l.release(&held) // the explain API and outcomes wait for no more than repeatRun repeats
		}
		if ctx.Err() != nil {
			break
		}
		var sig *Signal
		if sigs != nil {
			sig = sigs[fn.Ref]
		}
		ps := &states[i].parsed
		var floor floorAnswer // MinFloor's, when repeat asked it
		var sr, br metricsource.Reading
		var lb string // Observation.LowerBound
		if ps.failed == nil {
			// The spec first: most functions share an interned one, whose
			// type is lt's without comparing the strings.
			if !lt.set || lt.spec != ps.spec && lt.typ != ps.spec.Type {
				sq := metricsource.LoadQuery{Type: ps.spec.Type, Window: l.cfg.StableWindow}
				bq := metricsource.LoadQuery{Type: ps.spec.Type, Window: l.cfg.BurstWindow}
				lt = loadsOfType{set: true, typ: ps.spec.Type, stable: readingsOf(loads, sq), burst: readingsOf(loads, bq)}
				lt.lowerBound = typeLowerBound(loads, sq, bq, lowerBound)
			}
			lt.spec = ps.spec
			sr, br = lt.at(i)
			lb = lt.lowerBound
			if quiet && sig == nil && !l.noRepeat && l.repeat(states[i], fn, sr, br, lt.stable == nil, lb, queued, now, &floor, &held) {
				continue
			}
		}
		// The Observation is made only for a function that decides (most
		// repeat): made before the repeat, it was a fifth of the pass's own
		// cost.
		obs := Observation{
			Replicas:     fn.Replicas,
			Available:    fn.AvailableReplicas,
			StableWindow: l.cfg.StableWindow,
			BurstWindow:  l.cfg.BurstWindow,
			Signal:       sig,
		}
		if ps.failed == nil {
			obs.StableLoad, obs.BurstLoad = values(sr, br, &l.readings)
			obs.LoadFailed = lt.stable == nil
			obs.LowerBound = lb
			obs.StablePart, obs.BurstPart = sr.Part, br.Part
			if fn.Replicas == 0 && ps.spec.Type != metricsource.TypeQueue {
				if v, ok := queued[fn.Ref]; ok {
					obs.Queued = new(v)
				}
			}
		}
		l.release(&held) // decideAndApply takes it; MinFloor is called without it
		if floor.asked {
			obs.ScheduledMin, obs.ScheduledMinReason = floor.min, floor.reason // the same call's answer: asked once a pass
		} else {
			obs.ScheduledMin, obs.ScheduledMinReason = l.minFloor(states[i], fn, now)
		}
		d := l.decideAndApply(ctx, states[i], fn, obs, quiet && sig == nil, now)
		if out != nil {
			out[i] = d
		}
	}
}

// repeatRun is the most functions that repeat under one hold of mu.
const repeatRun = 256

// keptScratch is the largest pass whose readings are kept for the next
// pass to fill again (Loop.loadScratch).
const keptScratch = 4096

// queryReadings is one load query's readings in the pass's function order
// (failed: the query failed, so every function's is missing; partial: why
// its answer may be partial, so its readings are lower bounds).
type queryReadings struct {
	q       metricsource.LoadQuery
	r       []metricsource.Reading
	failed  bool
	partial string
}

// readingsOf is q's readings in loads, nil when q failed or was not asked.
func readingsOf(loads []queryReadings, q metricsource.LoadQuery) []metricsource.Reading {
	for _, l := range loads {
		if l.q == q && !l.failed {
			return l.r
		}
	}
	return nil
}

// loadsOfType is one scaling type's readings over the stable and burst
// windows, in the pass's function order (nil: the query failed).
type loadsOfType struct {
	set           bool
	typ           string
	spec          *Spec // the last function's, of type typ
	stable, burst []metricsource.Reading
	lowerBound    string // Observation.LowerBound of the type's functions (typeLowerBound)
}

// at is the i-th function's two readings (missing where a query failed).
func (lt *loadsOfType) at(i int) (stable, burst metricsource.Reading) {
	if lt.stable != nil {
		stable = lt.stable[i]
	}
	if lt.burst != nil {
		burst = lt.burst[i]
	}
	return stable, burst
}

// values returns two readings' values in v, nil where missing.
func values(s, b metricsource.Reading, v *[2]float64) (stable, burst *float64) {
	*v = [2]float64{s.Value, b.Value}
	if s.Has {
		stable = &v[0]
	}
	if b.Has {
		burst = &v[1]
	}
	return stable, burst
}

// forget drops a function that disappeared, with its metric series (the
// per-function gauges and decision counts go with its state; its scale
// calls with the actuator's memory of it).
func (l *Loop) forget(ref provider.Ref) {
	l.mu.Lock()
	fs, ok := l.fns[ref]
	if ok {
		fs.forgotten = true // a pass's scratch may still point at it
	}
	delete(l.fns, ref)
	if ok {
		l.order, l.orderGen = nil, l.orderGen+1
	}
	delete(l.pending, ref)
	delete(l.follow, ref)
	delete(l.unknownLabels, ref)
	delete(l.ownWrites, ref)
	l.mu.Unlock()
	if ok {
		// The actuator's memory of it too (its last write, back-off and
		// recent outcomes, its scale call series): kept, a fleet whose
		// functions come and go would grow one entry per name ever seen,
		// and a function deployed again under the name would inherit the
		// old one's back-off.
		if f, isForgetter := l.cfg.Actuator.(interface{ Forget(provider.Ref) }); isForgetter {
			f.Forget(ref)
		}
		l.log.Info("function gone; forgotten", "function", ref.String())
	}
}

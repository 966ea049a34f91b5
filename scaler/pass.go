package scaler

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fnState is what the loop remembers about one function. Guarded by Loop.mu,
// except the fields only passes touch (under passMu), as marked.
type fnState struct {
	ref       provider.Ref
	forgotten bool      // deleted from Loop.fns
	decided   bool      // a decision was made (beside forgotten: one padded word for these four)
	repeat    bool      // the last decision may be repeated while its inputs hold (repeat.go); passMu
	scaleDir  Direction // State.LastScaleDir (kept.go)
	// The last Observation's capacity parts, in the same padded word
	// (keptObs has none spare): fs.keepObs and fs.observation carry them.
	stablePart, burstPart metricsource.Part
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
	before *State
	obs    keptObs // the last decision's Observation (kept.go)
	// history is oldest first, at most HistorySize (never 0): once decided,
	// its last record's Replicas is the last decision's count (desired).
	history []Record
	// seq numbers the records, so an outcome finds its own; pass is the
	// last pass that listed it (passMu). 32 bits each: at one decision a
	// second a function wraps seq in 136 years.
	seq, pass uint32
	parsed    parsedSpec  // the labels' parse, reused while they do not change; passMu
	counts    []codeCount // decisions by reason code, for the metrics
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
	states := l.statesLocked(fns, now)
	// A function this listing did not mark is gone (marking instead of a
	// set of the listed names: no map of every function per pass).
	var gone []provider.Ref
	for ref, fs := range l.fns {
		if fs.pass != l.pass {
			gone = append(gone, ref)
		}
	}
	l.listed = true
	l.mu.Unlock()
	for _, ref := range gone {
		l.forget(ref)
	}
	// A tick decides quietly: the reason's words are made only for a
	// decision that changes something or is asked about (see decideAndApply).
	l.evaluate(ctx, fns, states, nil, now, true, nil)
	return nil
}

func (l *Loop) list(ctx context.Context) ([]provider.Function, error) {
	return provider.List(ctx, l.cfg.Provider, l.cfg.Namespaces)
}

// statesLocked returns each function's state, creating those seen for the
// first time, and marks them seen by this pass. The returned slice is the
// loop's scratch space, valid until the next pass. l.mu and passMu are held.
func (l *Loop) statesLocked(fns []provider.Function, now time.Time) []*fnState {
	// A listing comes in the provider's order, almost always the last one's:
	// the state at the same place is the function's when its ref matches,
	// which spares a map lookup per function (a tenth of a pass at 100,000).
	// prev[i] is read before states overwrites it.
	prev := l.scratch
	states := l.scratch[:0]
	for i, fn := range fns {
		var fs *fnState
		if i < len(prev) && prev[i].ref == fn.Ref && !prev[i].forgotten {
			fs = prev[i]
		} else {
			fs = l.fns[fn.Ref]
		}
		if fs == nil {
			fs = &fnState{ref: fn.Ref}
			l.fns[fn.Ref] = fs
			if fn.Replicas > 0 {
				// First sight (a start, a restart, a failover, a new function):
				// the count found is what someone wanted within the last down
				// window, for all this loop knows. Remembering it as a
				// recommendation means no scale-down before one down window has
				// passed — a restart used to forget a burst's peak and halve the
				// function every pass from the first (issue 15, item 5).
				fs.recs = []Recommendation{{At: now, Replicas: fn.Replicas}}
			}
		}
		fs.pass = l.pass
		states = append(states, fs)
	}
	l.scratch = states
	return states
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
	for i, fn := range fns {
		spec, specErr := l.specOf(&states[i].parsed, fn)
		if specErr != nil || spec.Step() || spec.Static() {
			continue
		}
		for _, w := range []time.Duration{l.cfg.StableWindow, l.cfg.BurstWindow} {
			if q := (metricsource.LoadQuery{Type: spec.Type, Window: w}); !slices.Contains(queries, q) {
				queries = append(queries, q)
			}
		}
	}
	// Each query's readings in fns' order (metricsource.LoadAligned): the
	// pass reads every function's two by index, not by map lookups.
	loads := l.loadScratch[:0]
	for _, q := range queries {
		lq := queryReadings{q: q}
		if n := len(loads); n < cap(loads) {
			lq.r = loads[:n+1][n].r // reuse the last pass's array
		}
		// all on a tick: the source is asked about every function (one
		// query for the fleet); else about fns only, where it can answer
		// for fewer for less.
		var err error
		if lq.r, err = metricsource.LoadAligned(ctx, l.cfg.Source, q, fns, tick, lq.r); err != nil {
			// Missing, not zero: functions of this type get no_data.
			l.metrics.errors.WithLabelValues("load").Inc()
			l.log.Warn("load query failed; those functions keep their replicas", "type", q.Type, "window", q.Window, "err", err)
			lq.failed = true
		}
		loads = append(loads, lq)
	}
	l.loadScratch = loads
	if len(fns) > keptScratch {
		// A large fleet's readings go with the pass: kept, they would add
		// to the live heap between passes (3 MB at 100,000 functions),
		// which the process's memory target counts.
		defer func() { l.loadScratch = nil }()
	}

	queued := l.backlogAtZero(ctx, fns, states, loads)
	var lt loadsOfType // the last type's two readings: most functions share a type

	for i, fn := range fns {
		if ctx.Err() != nil {
			break
		}
		var sig *Signal
		if sigs != nil {
			sig = sigs[fn.Ref]
		}
		obs := Observation{
			Replicas:     fn.Replicas,
			Available:    fn.AvailableReplicas,
			StableWindow: l.cfg.StableWindow,
			BurstWindow:  l.cfg.BurstWindow,
			Signal:       sig,
		}
		ps := &states[i].parsed
		if ps.err == nil {
			if !lt.set || lt.typ != ps.spec.Type {
				sq := metricsource.LoadQuery{Type: ps.spec.Type, Window: l.cfg.StableWindow}
				bq := metricsource.LoadQuery{Type: ps.spec.Type, Window: l.cfg.BurstWindow}
				lt = loadsOfType{set: true, typ: ps.spec.Type, stable: readingsOf(loads, sq), burst: readingsOf(loads, bq)}
			}
			sr, br := lt.at(i)
			if quiet && sig == nil && !l.noRepeat && l.repeat(states[i], fn, sr, br, queued, now) {
				continue
			}
			obs.StableLoad, obs.BurstLoad = values(sr, br)
			obs.StablePart, obs.BurstPart = sr.Part, br.Part
			if fn.Replicas == 0 && ps.spec.Type != metricsource.TypeQueue {
				if v, ok := queued[fn.Ref]; ok {
					obs.Queued = new(v)
				}
			}
		}
		if l.cfg.MinFloor != nil {
			obs.ScheduledMin, obs.ScheduledMinReason = l.cfg.MinFloor(fn, now)
		}
		d := l.decideAndApply(ctx, states[i], fn, obs, quiet && sig == nil, now)
		if out != nil {
			out[i] = d
		}
	}
}

// keptScratch is the largest pass whose readings are kept for the next
// pass to fill again (Loop.loadScratch).
const keptScratch = 4096

// queryReadings is one load query's readings in the pass's function order
// (failed: the query failed, so every function's is missing).
type queryReadings struct {
	q      metricsource.LoadQuery
	r      []metricsource.Reading
	failed bool
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
	stable, burst []metricsource.Reading
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

// values returns two readings' values, nil where missing, in one
// allocation.
func values(s, b metricsource.Reading) (stable, burst *float64) {
	if !s.Has && !b.Has {
		return nil, nil
	}
	v := &[2]float64{s.Value, b.Value}
	if s.Has {
		stable = &v[0]
	}
	if b.Has {
		burst = &v[1]
	}
	return stable, burst
}

// decideAndApply decides for one function, proposes the decision to the
// actuator and records it. The record's result is filled in when the
// actuator reports the outcome. A quiet decision that changes nothing and
// says what the last record says refreshes that record without words; the
// explain API words it from the inputs kept (Decide is pure).
func (l *Loop) decideAndApply(ctx context.Context, fs *fnState, fn provider.Function, obs Observation, quiet bool, now time.Time) Decision {
	spec, specErr := fs.parsed.spec, fs.parsed.err
	l.mu.Lock()
	prevSpecErr := fs.specErr
	fs.replicas, fs.spec, fs.specErr = fn.Replicas, spec, specErr
	fs.keepObs(obs)
	st := fs.state()
	l.mu.Unlock()

	trigger := "tick"
	if obs.Signal != nil {
		trigger = string(obs.Signal.Status)
	}
	var d Decision
	if specErr != nil {
		d = Decision{Replicas: fn.Replicas, Current: fn.Replicas, Code: CodeInvalidSpec, Reason: specErr.Error(), Next: st}
		if prevSpecErr == nil || prevSpecErr.Error() != specErr.Error() {
			l.log.Error("function labels are invalid; not scaling it", "function", fn.Ref.String(), "err", specErr)
		}
	} else {
		q := obs
		q.quiet = quiet
		d = Decide(*spec, q, st, now)
		if quiet && (d.Scale || !fs.lastSays(trigger, d)) {
			d = Decide(*spec, obs, st, now) // the same decision, with its words
		}
	}

	rec := recordOf(now, trigger, d)
	if d.Scale {
		rec.Result = "submitted"
	}
	refresh := fs.lastSays(trigger, d)
	// The next tick may repeat this decision without deciding (repeat) when
	// it is a quiet tick's refresh of a function at zero whose state it
	// left as it was: see repeat for why that decision depends on nothing
	// but the inputs it compares.
	fs.repeat = quiet && refresh && fn.Replicas == 0 && specErr == nil && !spec.Step() && !spec.Static() &&
		sameState(&d.Next, &st)
	l.mu.Lock()
	fs.seq++
	rec.Seq = uint64(fs.seq)
	next := d.Next
	if d.Scale && d.Replicas > d.Current && specErr == nil && !spec.Step() {
		l.followUpLocked(fn.Ref, now.Add(l.cfg.BurstWindow))
	}
	next.Recommendations = keepBinding(d.Next.Recommendations, st.Recommendations)
	fs.setState(next)
	switch {
	case sameState(&next, &st):
		fs.before = nil
	case fs.before != nil:
		// Overwritten in place: only this function's record holds it (the
		// explain API copies it under mu), and a busy function's state
		// moves at every decision, which made this copy a sixth of a
		// trace replay's allocations.
		*fs.before = st
	default:
		// A copy made here, not &st: taking st's address moved it to the
		// heap on every decision, most of which leave the state as it was.
		before := st
		fs.before = &before
	}
	fs.decided = true
	fs.counts = countDecision(fs.counts, d.Code)
	if refresh {
		// Nothing changed since the last record: refresh it rather than
		// append, so the history keeps what explains a count, not one entry
		// per tick (copying 50 records per function per pass was most of a
		// pass's cost at 10,000 functions).
		fs.history[len(fs.history)-1] = rec
	} else {
		fs.history = appendBounded(fs.history, rec, l.cfg.HistorySize)
	}
	l.mu.Unlock()
	if d.Scale {
		l.propose(ctx, fn.Ref, spec.Max, obs, now, rec.Seq, st, d)
	}
	return d
}

// propose submits a decision that changes the count to the actuator. (A
// function of its own so that only a change pays for the closure and the
// values it keeps.)
func (l *Loop) propose(ctx context.Context, ref provider.Ref, maxReplicas uint64, obs Observation, now time.Time, seq uint64, prev State, d Decision) {
	in := actuator.Intent{Ref: ref, From: obs.Replicas, To: d.Replicas, Who: actuator.Scaler,
		Code: string(d.Code), Reason: d.Reason, Observed: now, Max: maxReplicas, ScheduledMin: obs.ScheduledMin}
	if d.Evidence > 0 {
		in.EvidenceFrom = now.Add(-d.Evidence)
	}
	l.cfg.Actuator.Submit(ctx, in, func(o actuator.Outcome) { l.outcome(ref, seq, prev, d, o) })
}

// outcome records what the actuator did with a decision. A decision that was
// not applied leaves the scale time and the step as they were, so the next
// evaluation (or AlertManager's retry of the same alert) can take them again.
func (l *Loop) outcome(ref provider.Ref, seq uint64, prev State, d Decision, o actuator.Outcome) {
	result := string(o.Code)
	if o.Code == actuator.CodeApplied {
		result = "ok"
	}
	name := ref.String()
	switch o.Code {
	case actuator.CodeApplied, actuator.CodeDryRun, actuator.CodeRefused, actuator.CodeError, actuator.CodeGone:
		l.metrics.scaleCalls.WithLabelValues(name, result).Inc()
	}
	if o.Code == actuator.CodeError || o.Code == actuator.CodeGone {
		l.metrics.errors.WithLabelValues("scale").Inc()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.fns[ref]
	if fs == nil {
		return // forgotten meanwhile
	}
	for i := range fs.history {
		if fs.history[i].Seq == seq {
			r := &fs.history[i]
			r.Result = result
			if o.Err != nil {
				r.Error = o.Err.Error()
			}
		}
	}
	kept := o.Code == actuator.CodeApplied || o.Code == actuator.CodeDryRun || o.Code == actuator.CodeUnchanged
	if o.Applied {
		fs.replicas = o.To
	}
	if kept {
		return
	}
	// Only undo what this decision set, not what a later one did; the
	// state a later decision was made on stays what it was.
	st := fs.state()
	if fs.before == nil {
		before := st
		fs.before = &before
	}
	if st.LastScale.Equal(d.Next.LastScale) && st.LastScaleDir == d.Next.LastScaleDir {
		st.LastScale, st.LastScaleDir = prev.LastScale, prev.LastScaleDir
	}
	if st.StepKey == d.Next.StepKey && st.StepAt.Equal(d.Next.StepAt) {
		st.StepKey, st.StepAt = prev.StepKey, prev.StepAt
	}
	fs.setState(st)
}

// forget drops a function that disappeared, with its metric series.
func (l *Loop) forget(ref provider.Ref) {
	l.mu.Lock()
	fs, ok := l.fns[ref]
	if ok {
		fs.forgotten = true // a pass's scratch may still point at it
	}
	delete(l.fns, ref)
	delete(l.pending, ref)
	delete(l.follow, ref)
	l.mu.Unlock()
	if ok {
		l.metrics.forget(ref)
		l.log.Info("function gone; forgotten", "function", ref.String())
	}
}

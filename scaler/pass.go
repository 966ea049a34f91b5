package scaler

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

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

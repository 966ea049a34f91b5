package idler

import (
	"context"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// RunOnce runs one idler cycle at now: list, query activity once per distinct
// window, decide, re-check the idle ones with one more query, scale to zero,
// and restore functions that must not be at zero. The simulator calls it on
// virtual time.
func (d *Idler) RunOnce(ctx context.Context, now time.Time) CycleReport {
	d.cycleMu.Lock()
	defer d.cycleMu.Unlock()
	start := d.cfg.Clock.Now()
	d.cycleInProgress(now)
	defer func() {
		d.lastTook = d.cfg.Clock.Now().Sub(start)
		d.m.cycle.Observe(d.lastTook.Seconds())
		d.cycleInProgress(time.Time{})
	}()

	rep := CycleReport{At: now, Skipped: map[Code]int{}, d: d}
	fns, err := d.list(ctx)
	if err != nil && ctx.Err() != nil {
		// Cut short by the term's end (leadership lost, a shutdown): an
		// orderly stop, not the provider failing; counted as an error it
		// showed as one on the dashboard at every change of leader.
		d.m.runs.WithLabelValues("stopped").Inc()
		d.log.Info("idler cycle stopped while listing functions: its term ended", "err", err)
		rep.Err = err
		return rep
	}
	if err != nil {
		d.listFailed(err)
		d.m.runs.WithLabelValues("error").Inc()
		d.log.Error("idler cycle skipped: cannot list functions", "err", err)
		rep.Err = err
		return rep
	}
	rep.Functions = len(fns)

	defer func() {
		for _, c := range d.chunks {
			// Kept for the next cycle, pointing at nothing: not this
			// cycle's listing, nor the state of a function deleted
			// since; and zero, as prepare takes their places. Deferred,
			// so a cycle that panics leaves them so too.
			clear(c[:cap(c)])
		}
		d.keepArrays()
	}()
	ws, answered := d.prepare(fns, now)
	answered.addTo(rep.Skipped)
	rep.Queries = d.observe(ctx, ws, now)

	var idle []*work
	for _, w := range ws {
		w.askLastScaleUp(d.cfg.RecentScaleUp)
		w.v = w.decide(now, d.cycleWakes)
		if w.v.Code == CodeIdle {
			idle = append(idle, w)
		}
	}
	if len(idle) > 0 {
		rep.Queries++
		d.recheck(ctx, idle, now)
	}
	d.actAll(ctx, ws, now)
	// Cut by the term's end after the listing (during a query, the
	// re-check or a scale call): the functions it had not decided are
	// missing_data for that reason, not the source's, and counted in
	// skipped_total the dashboard's skip-reasons panel showed the fleet
	// skipped for missing data at every leader change. Such a cycle's
	// verdicts are not counted, and it is a stopped run, not an ok one:
	// the panel divides skipped_total by runs_total{result="ok"}, the
	// cycles whose verdicts it counts.
	stopped := ctx.Err() != nil
	d.finish(ws, answered.atZero, now, &rep, !stopped)
	if stopped {
		d.m.runs.WithLabelValues("stopped").Inc()
		d.log.Info("idler cycle stopped before its end: its term ended", "err", context.Cause(ctx))
	} else {
		d.m.runs.WithLabelValues("ok").Inc()
	}
	d.m.queriesCycle.Set(float64(rep.Queries))
	return rep
}

// prepare parses each function's labels and schedule and resolves its
// keep-alive; it touches no external system. A function whose verdict and
// treatment its labels alone give (not opted in or invalid labels, no
// min-schedule, nothing to restore: answersAsListed) is answered as it is
// listed: it gets its explanation and no work item. At 100,000 functions
// the items were 39 MB for the length of a cycle, live in any collection
// during it, for functions most of which only ever get that answer.
// answered counts them.
func (d *Idler) prepare(fns []provider.Function, now time.Time) (ws []*work, answered answeredListed) {
	if f := metricsource.ShortestCoveredWindow(d.cfg.Source); f != d.coveredFloor {
		// The automatic keep-alives' words name their query window, which
		// the floor sets: worded anew (the places' words are of the old
		// generation), or the explain API kept "3m0s query window, the
		// shortest the metrics source covers" once the Prometheus source
		// had learned its scrape interval and queried over 30s.
		d.coveredFloor = f
		clear(d.autoSources)
		d.autoGen++
	}
	d.mu.Lock()
	d.term.listErr, d.term.cycleListed = "", true // listed
	d.cycleWakes = d.wakesSeenBy()
	d.cycleStarted = d.runStarted
	// A function idled now stays at zero until a later cycle restores it:
	// the next run's, which Run times from the end of this cycle ("@every
	// 30s": 30s after it ends, not after now), guessed as far off as the
	// last cycle took, and which restores it by its own end, as long again:
	// the later of the run after next and that end bounds it. From now
	// alone it fell short when cycles took longer than the interval (40 s
	// cycles at @every 30s idled a function 10 s before its minimum began:
	// a review's finding).
	next := d.sched.Next(now.Add(d.lastTook))
	restoredBy := d.sched.Next(next)
	if end := next.Add(d.lastTook); end.After(restoredBy) {
		restoredBy = end
	}
	// A scheduled minimum starting before the next run is restored now.
	// That run is timed from this cycle's end, which is guessed as far
	// off as the last cycle took: the next run after now alone came
	// before it when cycles take time ("@every 30s" with 5 s cycles runs
	// at 03:25 and 04:00), and a minimum from 04:00 was raised by no
	// cycle before it began (a review's finding).
	d.cycleNext = d.sched.Next(now.Add(d.lastTook))
	d.cycles++
	cycle := uint32(d.cycles) // as fnState.seen keeps it
	d.prevCycleAt, d.cycleAt = d.cycleAt, now
	sts := slices.Grow(d.sts[:0], len(fns))[:len(fns)] // every place set below
	d.sts = sts
	for i := range fns {
		fn := &fns[i]
		st := d.stateAt(i, len(fns), fn.Ref)
		if st == nil {
			st = d.state[fn.Ref]
		}
		if st == nil {
			if len(d.state) == 0 {
				// The first cycle: size the map once rather than
				// regrow it through every power of two.
				d.state = make(map[provider.Ref]*fnState, len(fns))
			}
			st = &fnState{firstSeen: unixKey(now)}
			d.state[fn.Ref] = st
		}
		if c := unixKey(fn.CreatedAt); c != st.created && c != 0 {
			// Unknown (0) keeps the state: nothing says it is another.
			if st.created != 0 {
				st.renew(c, now) // deleted and deployed again since
			}
			st.created = c
		}
		st.seen = cycle
		// Explained by the last cycle (prevCycleAt now) until this one
		// explains it (explanation clears it).
		st.explain.stale = true
		d.followListing(st, fn, now)
		sts[i] = st
		d.place(i, len(fns), fn.Ref, st)
	}
	d.placedTo(len(fns))
	gone := false
	var forget []provider.Ref
	f, forgets := d.cfg.Actuator.(Forgetter)
	for ref, st := range d.state { // forget deleted functions
		if st.seen != cycle {
			delete(d.state, ref)
			gone = true
			if forgets {
				forget = append(forget, ref)
			}
		}
	}
	if lo, ok := d.cfg.KeepAlive.(ListingObserver); ok && (gone || now.Sub(d.toldListing) >= tellListingEvery) {
		// d.state holds exactly the functions listed now.
		d.toldListing = now
		if n := lo.Listed(now, d.listedNow); n > 0 {
			d.log.Debug("keep-alive: forgot functions unlisted for an hour", "functions", n)
		}
	}
	d.mu.Unlock()
	// The actuator too (outside mu: it takes its own lock). The scaler
	// forgets the functions that leave its listing; with the scaler off,
	// the slots of every function the idler ever proposed for stayed.
	for _, ref := range forget {
		f.Forget(ref)
	}

	// Asked once a cycle: the rebuild may end while the cycle runs, and
	// every auto function of one cycle is then decided alike.
	pending := d.cfg.HistoryPending != nil && d.cfg.HistoryPending()
	var chunk []work // items in chunks, so a pointer to one stays valid
	used := 0        // chunks taken from d.chunks
	ws = d.items[:0]
	defer func() { d.items = ws }()
	for i := range fns {
		fn, st := &fns[i], sts[i]
		full, parsed, specErr := st.parsed.Of(fn, &d.cfg.Defaults, d.specGen)
		if parsed {
			st.noSchedule = !hasMinSchedule(fn)
		}
		spec := zeroSpecOf(full, fn)
		followReadiness(st, fn, specErr == nil && spec.OptIn, now)
		var landed string
		if st.times != nil && st.times.zeroFrom > 0 && fn.Replicas == 0 {
			landed = d.zeroLanded(fn, st, spec, specErr)
		}
		var msv string
		var hasMS bool
		var msErr error
		if !st.noSchedule { // as the labels were parsed: most functions have none
			msv, hasMS, msErr = minScheduleValue(*fn)
		}
		if d.answersAsListed(fn, spec, specErr, hasMS, msErr) {
			d.answerListed(fn, st, spec, specErr, landed, now, &answered)
			continue
		}
		if len(chunk) == cap(chunk) {
			if used < len(d.chunks) {
				chunk = d.chunks[used][:0]
			} else {
				chunk = make([]work, 0, chunkItems)
				if len(d.chunks) < keptChunks {
					d.chunks = append(d.chunks, chunk)
				}
			}
			used++
		}
		// The next place of the chunk is zero (a new array, or one
		// RunOnce cleared when its last cycle ended): only the two pointers are
		// set, not a whole item built and copied in (two fifths of this
		// loop's own work).
		chunk = chunk[:len(chunk)+1]
		w := &chunk[len(chunk)-1]
		w.fn, w.st = fn, st
		ws = append(ws, w)
		w.action = landed
		w.specMin, w.specMax = full.Min, full.Max
		if hasMS {
			w.minSchedule = msv // for the explanation
		}
		smin, sreason, serr := activeMinimumOf(msv, hasMS, msErr, now, &d.schedule)
		in := &w.in // zero until here: its fields set one by one, not a whole cycleInput copied over it
		in.Spec, in.SpecErr = spec, specErr
		in.ScheduledMin, in.ScheduleReason, in.ScheduleErr = smin, sreason, serr
		if hasMS && serr == nil && smin == 0 && fn.Replicas == 0 && specErr == nil {
			d.restoreAhead(w, msv, now)
		}
		if specErr != nil || !spec.OptIn {
			continue
		}
		if hasMS && serr == nil && smin == 0 && fn.Replicas > 0 {
			if n, why := d.schedule.upcoming(msv, now, restoredBy); n > 0 {
				w.soon, in.ScheduleReason = true, why
			}
		}
		w.in.KeepAlive, w.window, w.source = d.keepAlive(fn.Ref, d.placeOf(i), spec, now)
		w.historyPending = pending && spec.Auto && d.cfg.KeepAlive != nil
		if serr != nil || smin > 0 || w.soon || fn.Replicas == 0 || w.historyPending {
			// Decided without activity data, and before Decide looks at
			// the last scale-up: the scaler is not asked (a lock and a
			// lookup for every function at zero, every cycle).
			w.window = 0
		} else if d.cfg.RecentScaleUp != nil {
			w.askScaleUp = true // once its activity is known (askLastScaleUp)
		}
	}
	return ws, answered
}

// keepArrays keeps prepare's arrays (Idler.sts, items) for the next
// cycle, pointing at nothing (not this cycle's states and items, nor a
// deleted function's state), or lets them go with a cycle over more than
// keptVerdicts functions. cycleMu is held.
func (d *Idler) keepArrays() {
	clear(d.sts[:cap(d.sts)])
	clear(d.items[:cap(d.items)])
	d.sts, d.items = d.sts[:0], d.items[:0]
	if cap(d.sts) > keptVerdicts {
		d.sts = nil
	}
	if cap(d.items) > keptVerdicts {
		d.items = nil
	}
}

// tellListingEvery is how often a cycle tells the keep-alive policy the
// listing when no function left it: the policy also learns of functions
// the idler never lists (the gateway counts every namespace's), and a
// walk of all it knows at every cycle was 1 % of a trace replay. A cycle
// that lost a function tells it at once (the pre-warm share's base).
const tellListingEvery = 5 * time.Minute

// listedNow says whether ref was in this cycle's listing; d.mu is held,
// after prepare's forgetting.
func (d *Idler) listedNow(ref provider.Ref) bool {
	_, ok := d.state[ref]
	return ok
}

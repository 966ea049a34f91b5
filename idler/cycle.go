package idler

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// CycleReport is what one cycle saw and did.
type CycleReport struct {
	At        time.Time
	Functions int
	// Queries is the number of Activity queries issued: one per distinct
	// keep-alive among candidates, plus one re-check when something was idle.
	Queries  int
	Idled    []provider.Ref
	Restored []provider.Ref
	Refused  []provider.Ref
	// Skipped counts final verdicts other than idle, by code.
	Skipped map[Code]int
	// Verdicts holds the final verdict of each function the cycle worked
	// on, in listing order: all but those not opted in and serving, which
	// the cycle answers as it lists them (Skipped counts them; VerdictOf
	// and the explain API give each one's).
	Verdicts []FunctionVerdict
	// Err is set when the cycle could not list functions (nothing was done).
	Err error

	d *Idler
}

// VerdictOf is ref's verdict in this cycle, from Verdicts or, for a
// function answered as listed, from its explanation; false when the cycle
// did not list it. Valid until the idler's next cycle.
func (r CycleReport) VerdictOf(ref provider.Ref) (Verdict, bool) {
	for _, v := range r.Verdicts {
		if v.Ref == ref {
			return v.Verdict, true
		}
	}
	if r.d == nil {
		return Verdict{}, false
	}
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	st, ok := r.d.state[ref]
	if !ok || !st.explain.evaluatedAt.Equal(r.At) || st.seen != r.d.cycles {
		return Verdict{}, false
	}
	return Verdict{Code: st.explain.code, Reason: st.explain.reason}, true
}

// FunctionVerdict is one function's verdict in a cycle.
type FunctionVerdict struct {
	Ref provider.Ref
	Verdict
}

// work is one function's inputs during a cycle.
type work struct {
	// fn points into the cycle's listing, which lives as long as the cycle:
	// a copy was 88 bytes more per item, one item per function.
	fn *provider.Function
	st *fnState
	// in is what the cycle works out for Decide; input() adds what the
	// listing and the kept state already hold.
	in     cycleInput
	window time.Duration // activity window queried; 0 = no query needed
	source string        // where the keep-alive came from
	// specMin, specMax: the function's min and max from the one parse of
	// its labels (valid when in.SpecErr is nil), all a restore needs; not
	// the whole scaler.Spec, copied for every function every cycle.
	specMin, specMax uint64
	minSchedule      string // the min-schedule value, as configured
	v                Verdict
	action           string
	outcome          outcome
}

// cycleInput is the part of a function's Input that a cycle works out
// (its spec, keep-alive, observation, schedule, last scale-up), under the
// Input's names. The rest (name, counts, creation, first sight, last
// activity and wake, refusal) is the listed Function's or the fnState's,
// which the cycle updates together with the copies it kept here before:
// keeping those copies in every item was 168 bytes a function for the
// length of a cycle (a 560-byte item, 392 without), and a collection during
// the cycle counts every item live.
type cycleInput struct {
	Spec           ZeroSpec
	SpecErr        error
	KeepAlive      time.Duration
	Observation    Observation
	ScheduledMin   uint64
	ScheduleReason string
	ScheduleErr    error
	LastScaleUp    time.Time
}

// input is w's Input for Decide now.
func (w *work) input() Input {
	tm := w.st.t()
	return Input{
		Ref: w.fn.Ref, Spec: w.in.Spec, SpecErr: w.in.SpecErr, Replicas: w.fn.Replicas, Available: w.fn.AvailableReplicas,
		LastWoken: tm.wokenAt, KeepAlive: w.in.KeepAlive, CreatedAt: w.fn.CreatedAt, FirstSeen: w.st.firstSeen,
		LastActive: tm.lastActive, Observation: w.in.Observation, ScheduledMin: w.in.ScheduledMin,
		ScheduleReason: w.in.ScheduleReason, ScheduleErr: w.in.ScheduleErr, LastScaleUp: w.in.LastScaleUp,
		RefusedUntil: tm.refusedUntil,
	}
}

type outcome uint8

const (
	outcomeNone outcome = iota
	outcomeIdled
	outcomeRestored
	outcomeRefused
)

// RunOnce runs one idler cycle at now: list, query activity once per distinct
// window, decide, re-check the idle ones with one more query, scale to zero,
// and restore functions that must not be at zero. The simulator calls it on
// virtual time.
func (d *Idler) RunOnce(ctx context.Context, now time.Time) CycleReport {
	d.cycleMu.Lock()
	defer d.cycleMu.Unlock()
	start := d.cfg.Clock.Now()
	defer func() { d.m.cycle.Observe(d.cfg.Clock.Now().Sub(start).Seconds()) }()

	rep := CycleReport{At: now, Skipped: map[Code]int{}, d: d}
	fns, err := d.list(ctx)
	if err != nil {
		d.m.runs.WithLabelValues("error").Inc()
		d.log.Error("idler cycle skipped: cannot list functions", "err", err)
		rep.Err = err
		return rep
	}
	d.m.runs.WithLabelValues("ok").Inc()
	rep.Functions = len(fns)

	ws, listed := d.prepare(fns, now)
	if listed > 0 {
		rep.Skipped[CodeNotOptedIn] += listed
	}
	rep.Queries = d.observe(ctx, ws, now)

	var idle []*work
	for _, w := range ws {
		w.v = Decide(w.input(), now)
		if w.v.Code == CodeIdle {
			idle = append(idle, w)
		}
	}
	if len(idle) > 0 {
		rep.Queries++
		d.recheck(ctx, idle, now)
	}
	d.actAll(ctx, ws, now)
	d.finish(ws, now, &rep)
	for _, c := range d.chunks {
		// Kept for the next cycle, pointing at nothing: not this
		// cycle's listing, nor the state of a function deleted since.
		clear(c[:cap(c)])
	}
	d.m.queriesCycle.Set(float64(rep.Queries))
	return rep
}

// prepare parses each function's labels and schedule and resolves its
// keep-alive; it touches no external system. A function not opted in and
// serving, with no min-schedule, is answered as it is listed (its verdict
// cannot be anything but not-opted-in, and nothing is done to it): it gets
// its explanation and no work item. At 100,000 functions the items were
// 39 MB for the length of a cycle, live in any collection during it, for
// functions most of which only ever get that answer. listed counts them.
func (d *Idler) prepare(fns []provider.Function, now time.Time) (ws []*work, listed int) {
	d.mu.Lock()
	d.cycles++
	cycle := d.cycles
	sts := make([]*fnState, len(fns))
	for i := range fns {
		fn := &fns[i]
		st := d.state[fn.Ref]
		if st == nil {
			if len(d.state) == 0 {
				// The first cycle: size the map once rather than
				// regrow it through every power of two.
				d.state = make(map[provider.Ref]*fnState, len(fns))
			}
			st = &fnState{firstSeen: now}
			d.state[fn.Ref] = st
		}
		st.seen = cycle
		if st.atZero && fn.Replicas > 0 {
			st.setTimes().wokenAt = now
		}
		st.atZero = fn.Replicas == 0
		sts[i] = st
	}
	for ref, st := range d.state { // forget deleted functions
		if st.seen != cycle {
			delete(d.state, ref)
		}
	}
	d.mu.Unlock()

	var chunk []work // items in chunks, so a pointer to one stays valid
	used := 0        // chunks taken from d.chunks
	for i := range fns {
		fn, st := &fns[i], sts[i]
		full, specErr := st.parsed.of(*fn, d.cfg.Defaults, d.specGen)
		spec := zeroSpecOf(*full, *fn)
		msv, hasMS, msErr := minScheduleValue(*fn)
		if specErr == nil && !spec.OptIn && fn.Replicas > 0 && !hasMS && msErr == nil {
			d.answerListed(fn, st, spec, now)
			listed++
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
		chunk = append(chunk, work{fn: fn, st: st})
		w := &chunk[len(chunk)-1]
		ws = append(ws, w)
		w.specMin, w.specMax = full.Min, full.Max
		if hasMS {
			w.minSchedule = msv // for the explanation
		}
		smin, sreason, serr := activeMinimumOf(msv, hasMS, msErr, now, &d.schedule)
		in := &w.in // zero until here: its fields set one by one, not a whole cycleInput copied over it
		in.Spec, in.SpecErr = spec, specErr
		in.ScheduledMin, in.ScheduleReason, in.ScheduleErr = smin, sreason, serr
		if specErr != nil || !spec.OptIn {
			continue
		}
		w.in.KeepAlive, w.window, w.source = d.keepAlive(fn.Ref, spec, now)
		if d.cfg.RecentScaleUp != nil {
			w.in.LastScaleUp = d.cfg.RecentScaleUp(fn.Ref)
		}
		if serr != nil || smin > 0 || fn.Replicas == 0 {
			w.window = 0 // decided without activity data
		}
	}
	return ws, listed
}

// answerListed decides and explains a function not opted in and serving,
// as finish would, without a work item: Decide answers not-opted-in from
// the spec alone, and nothing is proposed for it.
func (d *Idler) answerListed(fn *provider.Function, st *fnState, spec ZeroSpec, now time.Time) {
	w := work{fn: fn, st: st}
	w.in.Spec = spec
	w.v = Decide(w.input(), now)
	d.mu.Lock()
	st.explain = explanation(&w, now, st.explain.more)
	d.mu.Unlock()
}

// parsedSpec is one function's labels parsed, kept with the labels,
// annotations (compared by content: a listing decodes fresh maps) and
// defaults it was parsed from. Parsing every function's labels every cycle
// was a fifth of a cycle over 10,000 functions. Touched only by cycles.
type parsedSpec struct {
	labels, annotations map[string]string
	gen                 uint64 // Idler.specGen of the defaults it was parsed under; 0 = never parsed
	// spec is interned by a parse (scaler.Intern) and never changed (a new
	// parse points at another): a pointer, shared with the scaler's parse
	// and with every function configured alike, not a Spec kept in every
	// function's state between cycles.
	spec *scaler.Spec
	err  error
}

// of returns fn's spec under defaults (numbered gen), parsing only when
// the labels, the annotations or the defaults changed. It compares the
// defaults' number, not a copy of them: a copy was 136 bytes per function.
// The spec returned is the kept one: never change it.
func (c *parsedSpec) of(fn provider.Function, defaults scaler.Defaults, gen uint64) (*scaler.Spec, error) {
	if c.gen == gen && c.spec != nil && scaler.SameLabels(c.labels, fn.Labels) && scaler.SameLabels(c.annotations, fn.Annotations) {
		return c.spec, c.err
	}
	spec, err := scaler.ParseSpec(fn, defaults)
	c.spec, c.err = scaler.Intern(spec), err
	c.labels, c.annotations, c.gen = fn.Labels, fn.Annotations, gen
	return c.spec, err
}

// observe issues one Activity query per distinct window and fills each
// candidate's observation. It returns the number of queries.
func (d *Idler) observe(ctx context.Context, ws []*work, now time.Time) int {
	byWindow := map[time.Duration][]*work{}
	for _, w := range ws {
		if w.window > 0 {
			byWindow[w.window] = append(byWindow[w.window], w)
		}
	}
	windows := make([]time.Duration, 0, len(byWindow))
	for win := range byWindow {
		windows = append(windows, win)
	}
	slices.Sort(windows)
	for _, win := range windows {
		act, why, reason := d.query(ctx, win, byWindow[win])
		if why != "" {
			d.m.missingData.WithLabelValues(reason).Inc()
		}
		d.logMissing(win, why, reason, len(byWindow[win]))
		for _, w := range byWindow[win] {
			if why != "" {
				w.in.Observation = Observation{MissingWhy: why}
				continue
			}
			w.in.Observation = observation(act, w.fn.Ref)
			rememberWake(w, act) // issue 15, item 5: wakes from before a restart
			o := &w.in.Observation
			if o.HasStarted {
				w.st.setTimes().lastSeries = now
			} else if last := w.st.t().lastSeries; o.Known && !last.IsZero() && now.Sub(last) < metricsource.VanishLookback(win) {
				// The source has forgotten (a restarted Prometheus, a short
				// retention) but this idler saw a series: still vanished.
				*o = Observation{MissingWhy: fmt.Sprintf("the gateway's series for %s vanished (last seen %s ago): activity unknown, not zero",
					w.fn.Ref, now.Sub(last).Round(time.Second))}
			}
			if o.Started > 0 || o.Inflight > 0 || o.Queued > 0 {
				w.st.setTimes().lastActive = now
			}
		}
	}
	return len(windows)
}

// logMissing logs a window's missing activity once per change of reason
// (issue 15, item 8: a WARN every cycle while the gateway was not yet
// observed), and once when it is known again.
func (d *Idler) logMissing(win time.Duration, why, reason string, functions int) {
	prev := d.missingLogged[win]
	switch {
	case reason == prev:
		if why != "" {
			d.log.Debug("no function idled for this keep-alive: activity still unknown", "window", win, "why", why)
		}
		return
	case why == "":
		d.log.Info("activity known again: idling resumes for this keep-alive", "window", win, "functions", functions)
	default:
		d.log.Warn("no function idled for this keep-alive: activity unknown", "window", win,
			"functions", functions, "why", why)
	}
	if d.missingLogged == nil {
		d.missingLogged = map[time.Duration]string{}
	}
	d.missingLogged[win] = reason
}

// query asks the source for activity over win of the functions ws (a
// source that can answer for a few functions only answers for those). A
// non-empty why means the data cannot be used (reason is the metric label
// value).
func (d *Idler) query(ctx context.Context, win time.Duration, ws []*work) (act metricsource.Activity, why, reason string) {
	c, cancel := d.callCtx(ctx)
	defer cancel()
	var err error
	if src, ok := d.cfg.Source.(metricsource.SubsetActivity); ok {
		refs := make([]provider.Ref, len(ws))
		for i, w := range ws {
			refs[i] = w.fn.Ref
		}
		act, err = src.ActivityFor(c, win, refs)
	} else {
		act, err = d.cfg.Source.Activity(c, win)
	}
	switch {
	case err != nil:
		return act, "activity query failed: " + err.Error(), missingSourceError
	case !act.Covered:
		why := fmt.Sprintf("the source has not observed the gateway for the whole %s", win)
		if act.Uncovered != "" {
			why += ": " + act.Uncovered
		}
		return act, why, missingNotCovered
	}
	return act, "", ""
}

func observation(act metricsource.Activity, ref provider.Ref) Observation {
	if act.Vanished[ref] {
		// Series seen before and missing now: the gateway restarted or
		// stopped exporting them. Unknown, never "no invocation".
		return Observation{MissingWhy: fmt.Sprintf("the gateway's series for %s vanished from the source: activity unknown, not zero", ref)}
	}
	o := Observation{Known: true}
	o.Started, o.HasStarted = act.Started[ref]
	if act.Inflight != nil {
		o.Inflight, o.HasInflight = act.Inflight[ref]
	}
	if act.Queued != nil {
		o.Queued, o.HasQueued = act.Queued[ref]
	}
	return o
}

// recheck asks once more, over the shortest candidate window (which still
// covers the time since the first query), and drops any candidate that shows
// activity, or all of them when the answer is unusable. It also asks the
// scaler again, since it may have just scaled one up.
func (d *Idler) recheck(ctx context.Context, idle []*work, now time.Time) {
	win := idle[0].window
	for _, w := range idle {
		win = min(win, w.window)
	}
	act, why, reason := d.query(ctx, win, idle)
	if why != "" {
		d.m.missingData.WithLabelValues(missingRecheckError).Inc()
		d.log.Warn("re-check before scaling to zero failed: nothing idled", "why", why, "reason", reason)
	}
	for _, w := range idle {
		if why != "" {
			w.v = Verdict{Code: CodeMissingData, Reason: "re-check: " + why}
			continue
		}
		o := observation(act, w.fn.Ref)
		if act.Vanished[w.fn.Ref] {
			w.v = Verdict{Code: CodeMissingData, Reason: "re-check: " + o.MissingWhy}
			continue
		}
		if o.Started > 0 || o.Inflight > 0 || o.Queued > 0 {
			// Only positive evidence counts: a series missing from the
			// shorter window proves nothing new.
			w.in.Observation = o
			w.st.setTimes().lastActive = now
			w.v = Decide(w.input(), now)
			w.v.Reason = "re-check: " + w.v.Reason
			continue
		}
		if d.cfg.RecentScaleUp != nil {
			w.in.LastScaleUp = d.cfg.RecentScaleUp(w.fn.Ref)
			w.v = Decide(w.input(), now)
		}
	}
}

// actAll proposes every action of the cycle to the actuator at once and
// waits for the outcomes: the actuator bounds the provider calls and runs
// one at a time per function. Each function is acted on once per cycle.
func (d *Idler) actAll(ctx context.Context, ws []*work, now time.Time) {
	var wg sync.WaitGroup
	for _, w := range ws {
		if w.v.Code == CodeIdle || w.fn.Replicas == 0 {
			d.act(ctx, w, now, &wg)
		}
	}
	wg.Wait()
}

// act proposes a scale to zero for an idle function, or a restore for one
// that must not be at zero. The outcome is handled by done, in the
// actuator's goroutine; actAll waits for it.
func (d *Idler) act(ctx context.Context, w *work, now time.Time, wg *sync.WaitGroup) {
	if ctx.Err() != nil {
		return
	}
	if w.v.Code == CodeIdle {
		in := actuator.Intent{Ref: w.fn.Ref, From: w.fn.Replicas, To: 0, Who: actuator.Idler, Code: string(CodeIdle),
			Reason: w.v.Reason, Observed: now, ScheduledMin: w.in.ScheduledMin}
		wg.Add(1)
		d.cfg.Actuator.Submit(ctx, in, func(o actuator.Outcome) {
			defer wg.Done()
			d.idled(w, o)
		})
		return
	}
	if w.fn.Replicas != 0 {
		return
	}
	target, why := d.restoreTarget(w)
	if target == 0 {
		return
	}
	in := actuator.Intent{Ref: w.fn.Ref, From: 0, To: target, Who: actuator.Restore, Code: "restore", Reason: why,
		Observed: now}
	if w.in.SpecErr == nil {
		in.Max = w.specMax
	}
	wg.Add(1)
	d.cfg.Actuator.Submit(ctx, in, func(o actuator.Outcome) {
		defer wg.Done()
		d.restored(w, target, why, o)
	})
}

// restored records the outcome of a restore.
func (d *Idler) restored(w *work, target uint64, why string, o actuator.Outcome) {
	switch o.Code {
	case actuator.CodeApplied:
		d.m.restored.Inc()
		w.fn.Replicas = target
		w.action = fmt.Sprintf("restored to %d (%s)", target, why)
		w.outcome = outcomeRestored
		d.log.Info("restored from zero", "function", w.fn.Ref.String(), "replicas", target, "why", why)
	case actuator.CodeDryRun:
		w.action = fmt.Sprintf("dry run: would restore to %d (%s)", target, why)
	case actuator.CodeError, actuator.CodeGone, actuator.CodeRefused, actuator.CodeBackoff:
		d.m.scaleErrors.Inc()
		w.action = fmt.Sprintf("restore to %d failed: %s", target, o.Reason)
	default:
		w.action = fmt.Sprintf("restore to %d not applied (%s): %s", target, o.Code, o.Reason)
	}
}

// restoreTarget is the count a function at zero must be raised to, or 0 to
// leave it: an active scheduled minimum always; with --maintain-min, a
// function that has not opted in to zero goes to max(min, 1). Both are
// bounded by the function's max, and a function whose labels do not parse
// is left alone, as the scaler leaves it.
func (d *Idler) restoreTarget(w *work) (uint64, string) {
	in := w.in
	if in.ScheduleErr != nil {
		return 0, "" // a schedule we cannot read: leave the function alone
	}
	if in.SpecErr != nil {
		if d.cfg.MaintainMin || in.ScheduledMin > 0 {
			w.action = "not restored: " + in.SpecErr.Error()
		}
		return 0, ""
	}
	if d.cfg.MaintainMin && !in.Spec.OptIn {
		t := min(max(w.specMin, in.ScheduledMin, 1), w.specMax)
		return t, fmt.Sprintf("maintain-min: not opted in to zero, min %d", w.specMin)
	}
	if in.ScheduledMin > 0 {
		return min(in.ScheduledMin, w.specMax), in.ScheduleReason
	}
	return 0, ""
}

// idled records the outcome of a scale to zero.
func (d *Idler) idled(w *work, o actuator.Outcome) {
	switch o.Code {
	case actuator.CodeApplied:
		d.m.idled.Inc()
		if zo, ok := d.cfg.KeepAlive.(ZeroObserver); ok && w.in.Spec.Auto {
			zo.Zeroed(w.fn.Ref, w.fn.Replicas)
		}
		w.fn.Replicas = 0
		w.st.atZero = true
		if w.st.times != nil {
			w.st.times.refusedUntil = time.Time{}
		}
		w.st.refusedLogged = false
		w.action = "scaled to zero"
		w.outcome = outcomeIdled
		if d.log.Enabled(context.Background(), slog.LevelInfo) { // the arguments cost allocations even when discarded
			d.log.Info("scaled to zero", "function", w.fn.Ref.String(), "reason", w.v.Reason)
		}
	case actuator.CodeDryRun:
		w.v.Code, w.v.Reason = CodeDryRun, w.v.Reason+"; dry run: not scaled"
	case actuator.CodeRefused:
		d.m.refused.Inc()
		w.st.setTimes().refusedUntil = o.At.Add(d.cfg.RefusedBackoff)
		w.v.Code = CodeRefused
		w.v.Reason = fmt.Sprintf("%s; provider refused zero, retry after %s", w.v.Reason, d.cfg.RefusedBackoff)
		w.action = "scale to zero refused: " + o.Reason
		w.outcome = outcomeRefused
		// One error per function, not one per cycle or retry.
		if !w.st.refusedLogged {
			w.st.refusedLogged = true
			d.log.Error("provider refuses to scale to zero; will not ask again before the back-off",
				"function", w.fn.Ref.String(), "retry_after", d.cfg.RefusedBackoff, "err", o.Err)
		}
	case actuator.CodeError, actuator.CodeBackoff:
		// Still idle: the next cycle proposes it again.
		d.m.scaleErrors.Inc()
		w.action = "scale to zero failed: " + o.Reason
	case actuator.CodeGone:
		w.action = "function disappeared before scaling"
	default:
		// The actuator overruled it: someone raised the function since the
		// idler looked, a scheduled minimum, not the leader, ...
		w.v.Code = CodeOverruled
		w.v.Reason = fmt.Sprintf("%s; not scaled: %s (%s)", w.v.Reason, o.Reason, o.Code)
		w.action = "scale to zero not applied: " + string(o.Code)
	}
}

// finish counts, exports and records the cycle's outcome.
func (d *Idler) finish(ws []*work, now time.Time, rep *CycleReport) {
	atZero := 0
	rep.Verdicts = make([]FunctionVerdict, len(ws))
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, w := range ws {
		if w.fn.Replicas == 0 {
			atZero++
		}
		if w.v.Code != CodeIdle {
			rep.Skipped[w.v.Code]++ // exported below, once per code
		}
		rep.Verdicts[i] = FunctionVerdict{Ref: w.fn.Ref, Verdict: w.v}
		switch w.outcome {
		case outcomeIdled:
			rep.Idled = append(rep.Idled, w.fn.Ref)
		case outcomeRestored:
			rep.Restored = append(rep.Restored, w.fn.Ref)
		case outcomeRefused:
			rep.Refused = append(rep.Refused, w.fn.Ref)
		}
		w.st.explain = explanation(w, now, w.st.explain.more)
	}
	for code, n := range rep.Skipped {
		// One Add per code, not a label lookup per function.
		d.m.skipped.WithLabelValues(string(code)).Add(float64(n))
	}
	d.m.atZero.Set(float64(atZero))
}

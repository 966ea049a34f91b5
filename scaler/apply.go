package scaler

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// decideAndApply decides for one function, proposes the decision to the
// actuator and records it. The record's result is filled in when the
// actuator reports the outcome. A quiet decision that changes nothing
// refreshes the last record when it says what that record says, else adds
// one, either way without words; the explain API words the last record
// from the inputs kept (Decide is pure), and a record followed by another
// is worded then.
func (l *Loop) decideAndApply(ctx context.Context, fs *fnState, fn *provider.Function, obs Observation, quiet bool, now time.Time) Decision {
	spec, specErr := fs.parsed.spec, fs.parsed.Err()
	l.mu.Lock()
	prevSpecErr := fs.specErr()
	prev, wordless := fs.wordlessInputs()
	fs.replicas, fs.spec, fs.specFailed = fn.Replicas, spec, fs.parsed.failed
	fs.keepObs(obs)
	st, created := fs.state(), fs.created
	l.mu.Unlock()

	trigger := "tick"
	if obs.Signal != nil {
		trigger = string(obs.Signal.Status)
	}
	var d Decision
	if specErr != nil {
		d = Decision{Replicas: fn.Replicas, Current: fn.Replicas, Code: CodeInvalidSpec, Reason: specErr.Error(), Next: withoutAlertBase(st)}
		if prevSpecErr == nil || prevSpecErr.Error() != specErr.Error() {
			l.log.Error("function labels are invalid; not scaling it", "function", fn.Ref.String(), "err", specErr)
		}
	} else {
		q := obs
		q.quiet = quiet
		d = Decide(*spec, q, st, now)
		if quiet && d.Scale {
			d = Decide(*spec, obs, st, now) // the same decision, with its words, which the intent carries
		}
	}

	rec := recordOf(now, trigger, d)
	if d.Scale {
		rec.Result = "submitted"
	}
	refresh := fs.lastSays(trigger, d)
	if quiet && !d.Scale && d.Code != CodeInvalidSpec {
		// A quiet decision that changes nothing is recorded without words,
		// new or refreshed: they are made from the inputs kept when the
		// explain API asks or the next record follows it (prevWords), each
		// once. Worded at once, most such records were refreshed by the
		// next pass, losing those words, and worded again later: two loud
		// Decides per record, 5 % of the trace replay. Never the quiet
		// reason itself: it is partial where Decide formats one anyway
		// (burst mode: "; burst 200  needs 5 …"), and a refreshed record
		// kept it, which the explain API then showed as the reason. Not an
		// invalid spec's: its words are the label error, made anyway, and
		// Decide cannot word it again (no spec).
		rec.Reason = ""
	}
	var prevWords string // the last record's reason, when this decision adds one after it
	if wordless && !refresh && l.cfg.HistorySize > 1 {
		l.mu.Lock()
		prev.before = fs.lastBefore()
		l.mu.Unlock()
		prevWords = prev.reason(l.cfg.StableWindow, l.cfg.BurstWindow, fs.history[len(fs.history)-1].At)
	}
	next := d.Next
	next.Recommendations = keepBinding(d.Next.Recommendations, st.Recommendations)
	// The next tick may repeat this decision without deciding (repeat) when
	// it is a quiet tick's decision that scales nothing (refreshing its
	// record or adding one: either way the last record is this decision's)
	// for a function at zero, or for a running one without burst mode or an
	// alert's load, that left the state as it was: see repeat for why that
	// decision depends on nothing but the inputs it compares and, while it
	// runs, the recommendations' clock. A busy function's steady decision
	// moved only its recommendations by the one it recorded: it repeats as
	// recordsOnly (repeat.go).
	fs.repeat = repeatNone
	if quiet && !d.Scale && specErr == nil && !spec.Step() && !spec.Static() {
		switch {
		case (fn.Replicas == 0 || untimed(&st)) && sameState(&d.Next, &st):
			fs.repeat = repeatSame
		case fn.Replicas > 0 && recordsOnly(&d, &st, &next, now):
			fs.repeat = repeatRecords
		}
	}
	l.mu.Lock()
	fs.settleCounts() // the repeats since the last record changed, before this decision's count and record
	fs.seq++
	rec.Seq = fs.seq
	if d.Scale && d.Replicas > d.Current && specErr == nil && !spec.Step() {
		l.followUpLocked(fn.Ref, now.Add(l.cfg.BurstWindow))
	}
	fs.setState(next)
	fs.keepBefore(&next, &st)
	fs.decided = true
	fs.counts = countDecision(fs.counts, d.Code)
	if refresh {
		// Nothing changed since the last record: refresh it rather than
		// append, so the history keeps what explains a count, not one entry
		// per tick (copying 50 records per function per pass was most of a
		// pass's cost at 10,000 functions).
		fs.history[len(fs.history)-1] = rec
	} else {
		// At least the last record, even with NoHistory: it is the loop's
		// memory of its last decision (desired, lastSays, repeat); Explain
		// shows only the last HistorySize.
		if prevWords != "" {
			fs.history[len(fs.history)-1].Reason = prevWords
		}
		fs.history = appendBounded(fs.history, rec, l.historyCapLocked())
	}
	l.mu.Unlock()
	if d.Scale {
		l.propose(ctx, fs, fn, created, spec.Max, obs, now, uint64(rec.Seq), st, d)
	}
	return d
}

// propose submits a decision that changes the count to the actuator. (A
// function of its own so that only a change pays for the closure and the
// values it keeps.)
// The creation time of the function fs is of goes with it (created: the
// latest a listing gave, fnState.created), so a function deleted and
// deployed again under its name is not held to its predecessor's
// refusals, nor written by its predecessor's intent. The state's, not
// this listing's: a listing without one (a provider that says it only
// sometimes) let the old function's write land on the new one, and a
// lagging one naming the old time had the new state's write refused as
// gone.
func (l *Loop) propose(ctx context.Context, fs *fnState, fn *provider.Function, created Instant, maxReplicas uint64, obs Observation, now time.Time, seq uint64, prev State, d Decision) {
	in := actuator.Intent{Ref: fn.Ref, From: obs.Replicas, To: d.Replicas, Who: actuator.Scaler,
		Code: string(d.Code), Reason: d.Reason, Observed: now, Max: maxReplicas, ScheduledMin: obs.ScheduledMin,
		Created: fn.CreatedAt}
	if created != 0 {
		in.Created = created.Time()
	}
	if d.Evidence > 0 {
		in.EvidenceFrom = now.Add(-d.Evidence)
	}
	l.cfg.Actuator.Submit(ctx, in, func(o actuator.Outcome) { l.outcome(fs, seq, prev, d, o) })
}

// outcome records what the actuator did with a decision. A decision that was
// not applied leaves the scale time and the step as they were, so the next
// evaluation (or AlertManager's retry of the same alert) can take them again.
//
// fs is the state the decision was made on: an outcome arriving after it
// left l.fns (forgotten, or replaced by a function deployed again under
// the name: redeployedLocked) is not the current state's, whose records
// may bear the same seq and whose undoing would take the old one's values.
func (l *Loop) outcome(fs *fnState, seq uint64, prev State, d Decision, o actuator.Outcome) {
	// The call itself is counted by the actuator (scale_calls_total), as
	// every component's is.
	result := string(o.Code)
	if o.Code == actuator.CodeApplied {
		result = "ok"
	}
	if o.Code == actuator.CodeError || o.Code == actuator.CodeGone {
		l.metrics.errors.WithLabelValues("scale").Inc()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fns[fs.ref] != fs {
		return // forgotten or deployed again meanwhile
	}
	for i := range fs.history {
		if uint64(fs.history[i].Seq) == seq {
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
		l.keepOwnWriteLocked(fs, seq, o)
	}
	if kept {
		return
	}
	// Only undo what this decision set, not what a later one did; the
	// state a later decision was made on stays what it was.
	st := fs.state()
	if fs.before == nil {
		fs.before = keptStateOf(&st)
	}
	if st.LastScale.Equal(d.Next.LastScale) && st.LastScaleDir == d.Next.LastScaleDir {
		st.LastScale, st.LastScaleDir = prev.LastScale, prev.LastScaleDir
	}
	// A received resolution's drop (exact CE) not applied is owed: it is
	// not sent again and exact CE keeps no ramp, so it was lost for good.
	// The next pass without a signal decides it again, as it finds the
	// lapse again below; not if a firing was stepped on or the generated
	// alert seen firing since this decision (the condition is back).
	// Not when overtaken (a raise since the decision looked is the newer
	// intent: owed, the drop took it back to the floor on the next pass),
	// nor when the function was deployed again (gone: the new one never
	// had the alert, and was dropped on the next pass all the same).
	// A "raise" that is the loop's own earlier write, which the drop's read
	// had not seen (a lagging cache, a write still in flight), is older
	// than the resolution: owed from the count it wrote (owedDropFrom).
	// Taken for a newer intent, the function stayed at the step up for
	// good after its alert resolved (a review's finding).
	// The same holds for the lapse's drop and step mode's ramp end (own).
	from, owe := d.dropFrom, !overtaken(o)
	own := false // overtaken only by the loop's own earlier write
	if !owe {
		w, ok := l.ownWrites[fs.ref]
		from, own = owedDropFrom(w, ok, seq, o)
		owe = own
	}
	// A drop held by a scheduled minimum is owed by Decide itself, landed
	// or not (decideExactCE); overtaken or gone, it is not owed either,
	// and carried, it took the new function deployed under the name to
	// the floor once the schedule ended. Only while no later decision has
	// changed it (carried).
	carried := !d.Next.StepDropOwed.IsZero() && st.StepDropOwed.Equal(d.Next.StepDropOwed) && st.StepDropFrom == d.Next.StepDropFrom
	switch {
	case !d.dropOwed.IsZero() && owe && (!d.lapsed || own) && o.Code != actuator.CodeGone &&
		st.StepKey == d.Next.StepKey && st.StepAt.Equal(d.Next.StepAt) && st.StepRuleAt.IsZero():
		st.StepDropOwed, st.StepDropFrom, st.StepDropHeld = d.dropOwed, from, false // owed for the write
	case carried && (!owe || o.Code == actuator.CodeGone):
		st.StepDropOwed, st.StepDropFrom, st.StepDropHeld = time.Time{}, 0, false
	}
	if r := d.endedRamp; !r.start.IsZero() && (!overtaken(o) || own) && o.Code != actuator.CodeGone &&
		st.RampStart.IsZero() && st.StepKey == d.Next.StepKey && st.StepAt.Equal(d.Next.StepAt) {
		// Step mode's way down, ended by this decision's ask for the
		// floor, is put back for the next pass to ask again (endedRamp);
		// not if a firing was stepped on since (the condition is back) or
		// another ramp started, nor when overtaken or gone (as above).
		// Overtaken only by the loop's own step, which the ramp end's
		// read had not seen, it is put back: the step is older than the
		// way down, and nothing else asks for the floor again in a term
		// stepped in (StepFoundAt does not take over), so the function
		// stayed stepped up for good (a review's finding).
		st.RampFrom, st.RampStart = r.from, r.start
	}
	if st.StepKey == d.Next.StepKey && st.StepAt.Equal(d.Next.StepAt) {
		st.StepKey, st.StepAt, st.PrevStepKey, st.PrevStepAt = prev.StepKey, prev.StepAt, prev.PrevStepKey, prev.PrevStepAt
	}
	// A lapse of the generated step alert (ruleLapsed) is seen on the one
	// pass where StepRuleAt goes from set to zero: exact CE keeps no ramp,
	// and a drop to the floor that was not applied stayed undone for good
	// (a review's finding). Back to the firing last seen, the next pass
	// finds the lapse again. A received resolution is not undone (it made
	// CE's alert beside a rule no longer firing: another finding); its
	// drop is owed instead (above). Not when overtaken or gone, as the
	// owed drop is not: found again, the lapse took an outside raise, or
	// a function deployed again, to the floor. Overtaken only by the
	// loop's own earlier write, exact CE's lapse drop is owed instead
	// (dropOwed, above), from the count that write met, so the next pass
	// keeps a raise by someone else above it, as for the resolution's:
	// dropped, the function stayed at its step for good after its alert
	// stopped (a review's finding).
	if d.lapsed && !overtaken(o) && o.Code != actuator.CodeGone && st.StepRuleAt.IsZero() && d.Next.StepRuleAt.IsZero() && !prev.StepRuleAt.IsZero() {
		st.StepRuleAt, st.StepRuleRepeats = prev.StepRuleAt, prev.StepRuleRepeats
	}
	// An alert's load the decision took is evidence again for the next
	// notification of its instance (AlertManager's repeat or retry).
	if st.AlertLoadKey == d.Next.AlertLoadKey {
		st.AlertLoadKey = prev.AlertLoadKey
	}
	fs.setState(st)
}

// overtaken reports whether o's drop lost to a raise made after the
// decision looked: one the actuator wrote (raised_since), or one made
// outside the controller (kubectl scale, faas-cli), which the actuator's
// conditional write finds as the count changed upward (changed, with the
// count found above the one decided on). Either is the newer intent, which
// the drop must not be decided again over.
func overtaken(o actuator.Outcome) bool {
	return o.Code == actuator.CodeRaisedSince || o.Code == actuator.CodeChanged && o.Current > o.Intent.From
}

// lastInputs are a function's last decision's inputs as kept, copied: the
// next decision overwrites the kept ones (obs.more in place).
type lastInputs struct {
	spec                  *Spec
	obs                   keptObs
	more                  obsMore // *obs.more's values
	has                   obsHas
	stablePart, burstPart metricsource.Part
	before                State
}

// wordlessInputs copies the inputs of fs's last record when a quiet pass
// left that record without words (ok false otherwise), but for the state
// it was decided on (before), which only a decision that words the record
// reads (lastBefore): most decisions refresh the record instead, and the
// State's copy was most of this one. Explain words only the last record,
// from the inputs kept; once a new record follows, those inputs are gone
// and the older record showed no reason at all. The caller holds mu.
func (fs *fnState) wordlessInputs() (in lastInputs, ok bool) {
	n := len(fs.history)
	if n == 0 || fs.history[n-1].Reason != "" || fs.specErr() != nil || fs.spec == nil {
		return in, false
	}
	in = lastInputs{spec: fs.spec, obs: fs.obs, has: fs.obsHas, stablePart: fs.stablePart, burstPart: fs.burstPart}
	if fs.obs.more != nil {
		in.more = *fs.obs.more
	}
	return in, true
}

// lastBefore is the state the last record's decision was made on, read
// before the next decision keeps its own (setState). An actuator's outcome
// in between that rewrites the state first keeps the one it rewrote in
// before, so it is the same as when the inputs were copied. The caller
// holds mu.
func (fs *fnState) lastBefore() State {
	if fs.before != nil {
		return fs.before.state()
	}
	return fs.state()
}

// reason words the decision made on in at at again, as Explain does for
// the last record (Decide is pure: the decision that was made, aloud).
func (in *lastInputs) reason(stable, burst time.Duration, at time.Time) string {
	k := in.obs
	if k.more != nil {
		m := in.more
		k.more = &m
	}
	o := k.observation(in.has, stable, burst)
	o.StablePart, o.BurstPart = in.stablePart, in.burstPart
	return Decide(*in.spec, o, in.before, at).Reason
}

// keepBefore keeps st, the state a decision was made on, as fs.before when
// the decision moved it to next (nil when it did not), for the explain API
// to word the record from. The loop's mu is held.
func (fs *fnState) keepBefore(next, st *State) {
	switch {
	case sameState(next, st):
		fs.before = nil
	case fs.before != nil:
		// Overwritten in place: only this function's record holds it (the
		// explain API copies it under mu), and a busy function's state
		// moves at every decision, which made this copy a sixth of a
		// trace replay's allocations.
		fs.before.set(st)
	default:
		fs.before = keptStateOf(st)
	}
}

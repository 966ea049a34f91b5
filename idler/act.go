package idler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

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
			Reason: w.v.Reason, Observed: now, ScheduledMin: w.in.ScheduledMin, Created: w.fn.CreatedAt}
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
	target, why := d.restoreTarget(w, now)
	if target == 0 {
		return
	}
	in := actuator.Intent{Ref: w.fn.Ref, From: 0, To: target, Who: actuator.Restore, Code: "restore", Reason: why,
		Observed: now, Created: w.fn.CreatedAt}
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
		// The idler's own raise is no wake: nobody's requests wait for the
		// replica, and read as one the next listing held the function a
		// keep-alive after its scheduled minimum ended ("woken from zero":
		// a review's finding).
		w.st.atZero = false
		// Nor is the source's sight of it, a poll later (rememberWake).
		at := o.At
		if at.IsZero() {
			at = o.Intent.Observed
		}
		w.st.setTimes().raisedAt = at.UnixNano()
		w.fn.Replicas = target
		w.action = fmt.Sprintf("restored to %d (%s)", target, why)
		w.outcome = outcomeRestored
		d.log.Info("restored from zero", "function", w.fn.Ref.String(), "replicas", target, "why", why)
	case actuator.CodeDryRun:
		w.action = fmt.Sprintf("dry run: would restore to %d (%s)", target, why)
	case actuator.CodeError, actuator.CodeGone, actuator.CodeRefused, actuator.CodeBackoff:
		// scale_errors_total counts calls that failed, not refusals
		// (refused_total's, of scales to zero), drops (no call) nor calls
		// cut short by the term's end (an orderly stop: counted, every
		// change of leader showed as failed scale calls).
		if o.Err != nil && o.Code != actuator.CodeRefused && !o.Stopped() {
			d.m.scaleErrors.Inc()
		}
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
func (d *Idler) restoreTarget(w *work, now time.Time) (uint64, string) {
	in := w.in
	if in.ScheduleErr != nil {
		// A schedule we cannot read raises nothing on its own; maintain-min
		// still holds (the scaler keeps the function's own minimum then,
		// as MinFloor says): a label that can only ask for more replicas
		// took the guarantee away (a review's finding).
		if d.cfg.MaintainMin && in.SpecErr == nil && !in.Spec.OptIn {
			return min(max(w.specMin, 1), w.specMax), fmt.Sprintf("maintain-min: not opted in to zero, min %d (its min-schedule unreadable: %v)", w.specMin, in.ScheduleErr)
		}
		return 0, "" // leave the function alone
	}
	if in.SpecErr != nil {
		if d.cfg.MaintainMin || in.ScheduledMin > 0 {
			w.action = "not restored: " + in.SpecErr.Error()
		}
		return 0, ""
	}
	soon := d.soonMinimum(w, now) // a scheduled minimum starting by the next run (schedule_restore.go)
	if d.cfg.MaintainMin && !in.Spec.OptIn {
		t := min(max(w.specMin, in.ScheduledMin, soon, 1), w.specMax)
		return t, fmt.Sprintf("maintain-min: not opted in to zero, min %d", w.specMin)
	}
	if in.ScheduledMin > 0 {
		return min(in.ScheduledMin, w.specMax), in.ScheduleReason
	}
	if soon > 0 {
		return min(soon, w.specMax), in.ScheduleReason + ", before the idler's next run: raised ahead of it"
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
		// A drop (Err nil: the actuator holds a refusal of zero from
		// before, no call made) is no new refusal: counted, and its
		// back-off restarted, it made refused_total grow once per idler
		// back-off while the provider was asked once per actuator one, and
		// the explain output named a retry the actuator would not make.
		if o.Err != nil {
			d.m.refused.Inc()
		}
		until := o.At.Add(d.cfg.RefusedBackoff)
		if o.RefusedUntil.After(until) {
			until = o.RefusedUntil // the actuator asks no sooner
		}
		w.st.setTimes().refusedUntil = until
		w.v.Code, w.v.WouldIdleAt = CodeRefused, until
		// Worded as Decide words it on the cycles after.
		w.v.Reason = fmt.Sprintf("%s; provider refused zero, retry after %s", w.v.Reason, until.UTC().Format(time.RFC3339))
		w.action = "scale to zero refused: " + o.Reason
		w.outcome = outcomeRefused
		// One error per function, not one per cycle or retry.
		if o.Err != nil && !w.st.refusedLogged {
			w.st.refusedLogged = true
			d.log.Error("provider refuses to scale to zero; will not ask again before the back-off",
				"function", w.fn.Ref.String(), "retry_after", d.cfg.RefusedBackoff, "err", o.Err)
		}
	case actuator.CodeError, actuator.CodeBackoff:
		// Still idle: the next cycle proposes it again. A back-off drop
		// made no call: not a failed call; nor is one cut short by the
		// term's end (Stopped), an orderly stop.
		if o.Err != nil && !o.Stopped() {
			d.m.scaleErrors.Inc()
		}
		w.action = "scale to zero failed: " + o.Reason
		if o.Code == actuator.CodeError {
			// An error does not say the write did not land (a response
			// that timed out after the provider applied it): the next
			// listing says (follow.go). Not marked at zero on the error.
			w.st.setTimes().zeroFrom = w.fn.Replicas
		}
	case actuator.CodeGone:
		w.action = "function disappeared before scaling"
		if errors.As(o.Err, new(*provider.ReplacedError)) {
			// Not the function this cycle judged idle: the next listing
			// finds the new one, whose own keep-alive starts now.
			w.action = "scale to zero: " + o.Reason
		}
	case actuator.CodeUnchanged:
		// Already at zero: another writer zeroed it after the listing (the
		// actuator's re-read found 0). At zero all the same, so the next
		// listing that finds it up again sees a wake (followListing); taken
		// as overruled, the wake went unseen and the woken function was
		// idled again under the requests waiting for it (a review's
		// finding).
		w.fn.Replicas = 0
		w.st.atZero = true
		w.v.Reason += "; already at 0"
		w.action = "already at zero"
	case actuator.CodeStopped:
		// Not overruled: nobody raised it. The pool stopped (the end of
		// a leadership term, a shutdown) before it ran; still idle, the
		// next cycle, the next term's, proposes it again.
		w.v.Reason += "; not scaled: " + o.Reason
		w.action = "scale to zero not run: the actuator stopped"
	default:
		// The actuator overruled it: someone raised the function since the
		// idler looked, a scheduled minimum, not the leader, ...
		w.v.Code = CodeOverruled
		w.v.Reason = fmt.Sprintf("%s; not scaled: %s (%s)", w.v.Reason, o.Reason, o.Code)
		w.action = "scale to zero not applied: " + string(o.Code)
	}
}

// finish counts, exports and records the cycle's outcome; atZero is the
// functions at zero prepare answered without an item (answeredListed).
// count false (a cycle stopped by its term's end) leaves skipped_total
// alone: its undecided functions' verdicts say the term ended, not why the
// idler left them.
func (d *Idler) finish(ws []*work, atZero int, now time.Time, rep *CycleReport, count bool) {
	if cap(d.verdicts) < len(ws) {
		d.verdicts = make([]FunctionVerdict, len(ws))
	}
	rep.Verdicts = d.verdicts[:len(ws)]
	// Past this cycle's verdicts, pointing at nothing: not the names and
	// reasons of a larger cycle before it.
	clear(d.verdicts[len(ws):cap(d.verdicts)])
	if cap(d.verdicts) > keptVerdicts {
		d.verdicts = nil // this report keeps it; the next cycle makes its own
	}
	// Counted by the code's place in Codes, not in the map: a string
	// hashed per function was a third of this loop. A code not in Codes
	// (unknownCode) goes to the map as it comes.
	var skipped [unknownCode + 1]int
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, w := range ws {
		if w.fn.Replicas == 0 {
			atZero++
		}
		w.st.explain = explanation(w, now, w.st.explain.more)
		if w.v.Code != CodeIdle {
			if k := w.st.explain.code; k != unknownCode { // codeKey(w.v.Code)
				skipped[k]++
			} else {
				rep.Skipped[w.v.Code]++
			}
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
	}
	d.explained = true
	for k, n := range skipped {
		if n > 0 {
			rep.Skipped[codeOf(uint8(k))] += n
		}
	}
	if count {
		for code, n := range rep.Skipped {
			// One Add per code, not a label lookup per function.
			d.m.skipped.WithLabelValues(string(code)).Add(float64(n))
		}
	}
	d.m.atZero.Set(float64(atZero))
}

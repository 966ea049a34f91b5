package keepalive

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// dueIntent is a pre-warm a pass proposes, with the intent that proposes it.
type dueIntent struct {
	pw     PreWarm
	intent actuator.Intent
}

// due is the part of a pass at now that reads and writes what w.mu guards:
// it takes in the listing fns, forgets what the listing no longer holds,
// fills rep's counts and returns the intents of the pre-warms due in
// order, each of at least its function's min and at most its max, and
// how many of them the share has room for (the rest are for when some are
// not applied: RunOnce), and the functions it proposed a pre-warm for
// that fns does not list (forgetUnlisted).
func (w *PreWarmer) due(now time.Time, fns []provider.Function, rep *PreWarmReport) (_ []dueIntent, room int, unlisted []provider.Ref) {
	w.mu.Lock()
	defer w.mu.Unlock()
	atZero, atZeroAt, atZeroSpec, up := w.atZero[:0], w.atZeroAt[:0], w.atZeroSpec[:0], w.up[:0]
	defer func() {
		// Kept pointing at nothing: not a deleted function's name.
		clear(atZero)
		clear(atZeroSpec)
		clear(up)
		w.atZero, w.atZeroAt, w.atZeroSpec, w.up = atZero[:0], atZeroAt[:0], atZeroSpec[:0], up[:0]
		if cap(atZero) > keptAtZero {
			w.atZero, w.atZeroAt, w.atZeroSpec = nil, nil, nil
		}
		if cap(up) > keptAtZero {
			w.up = nil
		}
	}()
	w.passes++
	listed := 0 // entries this pass listed
	for i := range fns {
		fn := &fns[i]
		// The function's max is kept in w.specs for this pass: the few
		// functions due read it there, rather than every opted-in one
		// filling a map each pass.
		c := w.specOf(i, fn)
		if w.byPlace[i] != nil {
			listed++
		}
		if c == nil || !c.want {
			continue
		}
		c.created = fn.CreatedAt
		if fn.Replicas == 0 {
			c.zero = true
			atZero, atZeroAt, atZeroSpec = append(atZero, fn.Ref), append(atZeroAt, i), append(atZeroSpec, c)
		} else {
			up = append(up, fn.Ref)
		}
	}
	clear(w.byPlace[len(fns):])
	w.byPlace = w.byPlace[:len(fns)]
	if listed != len(w.specs) {
		for ref, c := range w.specs {
			if c.pass != w.passes {
				// Not listed (deleted, or out of the namespaces), or listed
				// without the label (relabelled: a lookup, no entry).
				delete(w.specs, ref)
				w.cfg.Policy.dropBounds(ref)
				if c.proposed {
					unlisted = append(unlisted, ref)
				}
			}
		}
		if len(unlisted) > 0 {
			unlisted = notListed(fns, unlisted)
		}
	}
	if len(w.warm) > 0 {
		// A warm function is no longer warm once idled (listed at zero) or
		// past its window. Looked up from warm, which is tiny (at most the
		// share of the fleet): the listing's loop looked every opted-in
		// function up in it at every pass while any was warm, 2 % of the
		// trace replay. One deleted, moved out of the namespaces or
		// relabelled out of zero-duration auto while warm would otherwise
		// hold its pre-warm slot for good (Due takes len(warm) off the
		// share) and be reported warm.
		for ref, until := range w.warm {
			if c := w.specs[ref]; c == nil || c.pass != w.passes || !c.want || c.zero || !now.Before(until) {
				delete(w.warm, ref)
			}
		}
	}
	var due []PreWarm
	due, room = w.cfg.Policy.dueAt(now, atZero, atZeroAt, atZeroSpec, len(fns), len(w.warm), w.cfg.Fallback)
	if w.adopt && (w.cfg.HistoryPending == nil || !w.cfg.HistoryPending()) {
		w.adopt = false
		if len(up) > 0 {
			room = max(0, room-w.adoptWarm(now, up))
			due = due[:min(len(due), room+preWarmSpare)]
		}
	}
	rep.AtZero, rep.Warm = len(atZero), len(w.warm)
	if room == 0 {
		return nil, 0, unlisted
	}
	var out []dueIntent
	for _, pw := range due {
		var fnMin, fnMax uint64
		var created time.Time
		if c := w.specs[pw.Ref]; c != nil && c.pass == w.passes {
			fnMin, fnMax, created = c.min, c.max, c.created
		}
		// At least the min: a pre-warm below it (one replica when the
		// idled count is not known) had the scaler raise the function to
		// its floor a pass later, after the call it was pre-warmed for.
		to := max(pw.Replicas, fnMin, 1)
		if fnMax > 0 && to > fnMax {
			to = fnMax // the label may have been lowered since the function was idled
		}
		out = append(out, dueIntent{pw: pw, intent: actuator.Intent{Ref: pw.Ref, From: 0, To: to, Who: actuator.PreWarm,
			Code: "prewarm", Reason: pw.Reason, Observed: now, Max: fnMax, Created: created}})
	}
	return out, room, unlisted
}

// adoptWarm counts into warm, and returns how many it added, the
// opted-in functions listed up (up) that are in their pre-warm window and
// not called since it opened: pre-warmed by a process before this one (a
// restart, a new leader), whose warm set is lost with it, or held up
// through the window by the idler's keep-alive. They are warm for a
// pre-warm window, and the share left them out: a restart in a window
// pre-warmed the share again on top of them. Asked at the first pass of a
// process or term only (w.adopt), of the functions up and not already
// counted. w.mu is held.
func (w *PreWarmer) adoptWarm(now time.Time, up []provider.Ref) int {
	ask := up[:0] // in place: up is the pass's scratch
	for _, ref := range up {
		if _, ok := w.warm[ref]; !ok {
			ask = append(ask, ref)
		}
	}
	n := 0
	w.cfg.Policy.inPreWarm(now, ask, w.cfg.Fallback, func(ref provider.Ref, until time.Time) {
		w.warm[ref] = until
		n++
	})
	return n
}

// notListed keeps of refs (few: functions a pass proposed for, then
// found without their entry) those fns does not list; in place.
func notListed(fns []provider.Function, refs []provider.Ref) []provider.Ref {
	listed := make(map[provider.Ref]bool, len(refs))
	for _, ref := range refs {
		listed[ref] = false
	}
	for i := range fns {
		if _, ok := listed[fns[i].Ref]; ok {
			listed[fns[i].Ref] = true
		}
	}
	out := refs[:0]
	for _, ref := range refs {
		if !listed[ref] {
			out = append(out, ref)
		}
	}
	return out
}

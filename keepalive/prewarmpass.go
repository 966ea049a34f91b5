package keepalive

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// RunOnce is one pass at now: list the functions, find the opted-in ones at
// zero, ask the policy which are due and scale those back up.
func (w *PreWarmer) RunOnce(ctx context.Context, now time.Time) PreWarmReport {
	rep := PreWarmReport{At: now, Failures: map[provider.Ref]error{}}
	fns, err := provider.List(ctx, w.cfg.Provider, w.cfg.Namespaces)
	if err != nil {
		w.log.Warn("cannot list functions; no pre-warm this pass", "err", err)
		return rep
	}
	// One pass at a time (Run's ticks, a test's calls): a pass proposes
	// what the last one's recorded warm set leaves room for.
	w.pass.Lock()
	defer w.pass.Unlock()
	intents, room, unlisted := w.due(now, fns, &rep)
	w.forgetUnlisted(unlisted)
	// The actuator calls the provider (up to its call timeout) without
	// w.mu: the explain section, which takes it, answers meanwhile.
	//
	// The share's room is filled with pre-warms that happen: one the
	// actuator does not apply (the provider refused it, the function is in
	// back-off, gone, or the call failed) leaves its slot to the next due
	// function, or a function refused for an hour held the slot for
	// everyone. One the provider took in part (landedPartly) is up and
	// holds its slot. intents holds at most room+preWarmSpare, which bounds the
	// pass's provider calls.
	filled := 0
walk:
	for _, in := range intents {
		if filled >= room || ctx.Err() != nil {
			break
		}
		o := w.cfg.Actuator.Apply(ctx, in.intent)
		w.mu.Lock()
		if c := w.specs[in.pw.Ref]; c != nil {
			c.proposed = true // whatever became of it: Submit made the slot
		}
		w.mu.Unlock()
		landed, partly := landedPartly(o)
		if o.Code != actuator.CodeApplied && !partly {
			if o.Stopped() {
				// The term's end (the pool stopped, or its call or the wait
				// for it was cancelled): the actuator's stopped, not a
				// failure of the function's calls, which it does not back
				// off for either. Nothing more of this pass is applied.
				w.scaled.WithLabelValues(string(actuator.CodeStopped)).Inc()
				w.log.Info("pre-warm cancelled: the term ended", "function", in.pw.Ref.String(), "reason", o.Reason)
				break walk
			}
			if o.Err != nil {
				rep.Failures[in.pw.Ref] = o.Err
				w.scaled.WithLabelValues("error").Inc()
				w.log.Warn("pre-warm failed", "function", in.pw.Ref.String(), "err", o.Err)
			} else {
				w.scaled.WithLabelValues(string(o.Code)).Inc()
			}
			switch o.Code {
			case actuator.CodeDryRun:
				filled++ // what a live run would have applied
			case actuator.CodeNotLeader:
				break walk // nothing more of this pass will be applied
			}
			continue
		}
		filled++
		w.mu.Lock()
		w.warm[in.pw.Ref] = in.pw.Until
		if c := w.specs[in.pw.Ref]; c != nil {
			c.warmedAt = now.UnixNano()
		}
		w.mu.Unlock()
		rep.Scaled = append(rep.Scaled, in.pw)
		if partly {
			w.scaled.WithLabelValues("partial").Inc()
			w.log.Warn("pre-warmed fewer replicas than asked", "function", in.pw.Ref.String(), "asked", in.intent.To,
				"landed", landed, "err", o.Err)
			continue
		}
		w.scaled.WithLabelValues("ok").Inc()
		// Asked as Info asks it (a background context): the arguments cost
		// allocations even when the handler discards them (the trace
		// replay's, about a fifth of a pass's allocations).
		if w.log.Enabled(context.Background(), slog.LevelInfo) {
			w.log.Info("pre-warmed", "function", in.pw.Ref.String(), "since_last", in.pw.Since.Round(time.Second).String(), "reason", in.pw.Reason)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	rep.Warm = len(w.warm)
	w.lastRun = rep
	return rep
}

// landedPartly reports whether o is a pre-warm the provider took in part:
// it refused the count asked for and set landed (≥ 1) instead, as faasd
// runs one replica and OpenFaaS CE at most five (provider.RefusedError's
// Landed). The function is up for its window, so it is a pre-warm that
// happened: counted a failure, it held no slot of the share, and the pass
// pre-warmed the next due function on top of it. A refusal the actuator
// only dropped (no error: a count refused before) wrote nothing.
func landedPartly(o actuator.Outcome) (landed uint64, ok bool) {
	var re *provider.RefusedError
	if o.Code != actuator.CodeRefused || !errors.As(o.Err, &re) || !re.HasLanded || re.Landed == 0 {
		return 0, false
	}
	return re.Landed, true
}

// forgetUnlisted has the actuator forget the functions a pass proposed a
// pre-warm for and no longer lists. The scaler and the idler forget a
// function once, as it leaves their listing: a pre-warm proposed after
// that (the function deleted between this pass's listing and its
// pre-warm, or a proposal that came while the scaler's Forget waited for
// a running intent, which it then took for the function proposed again)
// made a slot that nobody forgot. An actuator without Forget (a test's)
// keeps nothing to forget.
func (w *PreWarmer) forgetUnlisted(refs []provider.Ref) {
	f, ok := w.cfg.Actuator.(interface{ Forget(provider.Ref) })
	if !ok {
		return
	}
	for _, ref := range refs {
		f.Forget(ref)
	}
}

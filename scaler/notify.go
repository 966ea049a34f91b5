package scaler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Notify queues an immediate evaluation of sig.Ref and returns at once. A
// newer signal for the same function replaces a queued one (coalescing), so
// the queue holds at most one entry per listed function, except that another
// alert's resolution does not replace a firing alert (queueLocked). Without queueing,
// it returns ErrUnavailable (the webhook answers 503 with Retry-After, and
// AlertManager retries) on a replica that does not lead, and before the
// first successful listing, when no name can be checked, and once the
// term's context has ended (nothing would evaluate it); and
// ErrUnknownFunction when the last listing did not have the function (new
// functions are picked up by the next tick), or ErrUnavailable then when
// the last provider contact failed. After queueing, it returns
// ErrUnavailable when the last provider contact failed.
func (l *Loop) Notify(ctx context.Context, sig Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.cfg.Leading != nil && !l.cfg.Leading() {
		return unavailable("scaler not leading: this replica is not the leader; send alerts to the leader (the Service routes to the ready replica)")
	}
	l.mu.Lock()
	if l.termEndedLocked() {
		l.mu.Unlock()
		return unavailable("scaler stopped: the scaler's loop has stopped (its term ended or the process is stopping)")
	}
	if err := l.notListedLocked(); err != nil {
		l.mu.Unlock()
		return err
	}
	if _, ok := l.fns[sig.Ref]; !ok {
		perr := l.providerErr
		l.mu.Unlock()
		if perr != nil {
			// The listing that would have it failed (a function deployed
			// during an outage): unknown is unproven, so AlertManager is
			// asked to retry; answered as unknown (200) the alert waited
			// for repeat_interval, and a step was lost.
			return fmt.Errorf("%w: %s is not in the last listing, and the provider cannot be reached: %w", ErrUnavailable, sig.Ref, perr)
		}
		return fmt.Errorf("%w: %s", ErrUnknownFunction, sig.Ref)
	}
	l.queueLocked(sig)
	perr := l.providerErr
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // a wake-up is already queued; it will see this signal
	}
	if perr != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, perr)
	}
	return nil
}

// queueLocked queues sig for its function. A queued firing alert stays
// when another alert about the function (another fingerprint: a second
// rule, or the function's series under its bare and its qualified name,
// which AlertManager groups into one notification in either order)
// resolves: the function still has an alert firing, and in step mode the
// resolution would start a step down in place of the step up. Nor does the
// resolution of an earlier instance of the same alert (same fingerprint, an
// earlier StartsAt: see earlierInstance). Nor does a scale-down alert
// (Signal.Down), which is only a trigger: in its place a queued scale-up
// alert's load was lost; nor another alert firing without a load; nor,
// in the place of the generated step alert's signal, firing or resolved,
// an alert without a scaling type (CE's beside it). A newer signal of the
// same alert, or a firing one, replaces it. The caller holds l.mu.
func (l *Loop) queueLocked(sig Signal) {
	if q, ok := l.pending[sig.Ref]; ok && !keepsQueued(q, sig) {
		return
	}
	l.pending[sig.Ref] = sig
}

// keepsQueued says whether sig may take queued q's place.
func keepsQueued(q, sig Signal) bool {
	if q.ScalingType == TypeStep && sig.ScalingType == "" {
		// An alert without a scaling type beside the generated step alert
		// (OpenFaaS CE's, with `rules --ce-compatible`) adds nothing to it
		// (besideRule): in the place of the generated alert's resolution
		// it was decided as beside a step alert still firing, no way down
		// started, and no later pass started one: the function kept its
		// stepped-up count for good (a review's test, session 48).
		return false
	}
	if q.Status != Firing || q.Down {
		return true
	}
	if sig.Down {
		return false // a trigger never displaces an up alert's evidence
	}
	if sig.Status == Firing && sig.Load == nil && q.Load != nil && q.Fingerprint != sig.Fingerprint {
		// Another alert firing without a load (OpenFaaS CE's, beside the
		// generated rules) says no more than the one queued, whose load
		// is the freshest reading there is.
		return false
	}
	return sig.Status != Resolved || (q.Fingerprint == sig.Fingerprint && !sig.StartsAt.Before(q.StartsAt))
}

// takePendingLocked empties the queue and returns what it held (nil when
// empty). The caller holds l.mu.
func (l *Loop) takePendingLocked() map[provider.Ref]Signal {
	if len(l.pending) == 0 {
		return nil
	}
	batch := l.pending
	l.pending = make(map[provider.Ref]Signal)
	return batch
}

// EvaluatePending evaluates every function with a queued signal, in one pass
// (one Load query per type and window in use among them). A signal whose
// function cannot be read now (the provider failing) is queued again for
// the next pass: it was accepted (the webhook answered 2xx), and
// AlertManager does not send a resolution twice.
func (l *Loop) EvaluatePending(ctx context.Context, now time.Time) error {
	l.mu.Lock()
	batch := l.takePendingLocked()
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	// Read under passMu, so a pass that is scaling one of these functions
	// has finished and we see the count it set.
	l.passMu.Lock()
	defer l.passMu.Unlock()
	var (
		fns  []provider.Function
		sigs = make(map[provider.Ref]*Signal, len(batch))
		errs []error
	)
	var retry []Signal
	for ref, sig := range batch {
		fn, err := l.readFunction(ctx, ref)
		if err != nil {
			errs = append(errs, err)
			if errors.Is(err, ErrUnavailable) { // not a function gone
				retry = append(retry, sig)
			}
			continue
		}
		fns = append(fns, fn)
		sigs[ref] = &sig
	}
	if len(retry) > 0 {
		l.mu.Lock()
		for _, sig := range retry {
			// Back in the queue unless a newer signal took the slot that
			// queueLocked would have let in over it: a scale-down trigger
			// or another alert's resolution that came during the failed
			// read gives the slot back to a firing alert (queueLocked
			// never lets them replace one; the firing alert was accepted,
			// and AlertManager will not send it again).
			if q, newer := l.pending[sig.Ref]; !newer || !keepsQueued(sig, q) {
				l.pending[sig.Ref] = sig
			}
		}
		l.mu.Unlock()
	}
	l.mu.Lock()
	states, _ := l.statesLocked(fns, now, &l.fewScratch)
	l.mu.Unlock()
	l.evaluate(ctx, fns, states, sigs, now, false, nil)
	return joinBounded(errs, 5)
}

// termEndedLocked says whether the last term's context has ended (a
// shutdown, a lease lost): Run evaluates no other signal, whether it has
// returned (Run returns only then) or is still in its last pass, so a
// signal queued then was answered 200 and lost (the webhook drains its
// requests after the cancel; a leader whose lease just ended). Notify
// answers 503 then, so AlertManager retries, elsewhere or in a later term.
func (l *Loop) termEndedLocked() bool {
	if l.termDone == nil {
		return false
	}
	select {
	case <-l.termDone:
		return true
	default:
		return false
	}
}

package actuator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// maxAttempts bounds the conditional writes for one intent: the first, and
// one more from the re-read count when a raise is still wanted.
const maxAttempts = 2

// execute arbitrates one intent and, when the verdict says so, writes it
// with a conditional write; a conflict re-arbitrates on the count the
// provider reported. It makes no decision of its own: Arbitrate does.
func (a *Actuator) execute(ctx context.Context, in Input) Outcome {
	var conflict *provider.ConflictError // the last write's, if it found the count changed
	for attempt := 1; ; attempt++ {
		v := Arbitrate(in)
		o := Outcome{Intent: in.Intent, Code: v.Code, Reason: v.Reason, Current: v.From, At: in.Now}
		if in.HasCurrent {
			// A drop's Verdict.From is the proposer's count; after a
			// conflict the provider's re-read count is the fresher one.
			o.Current = in.Current
		}
		if v.Code == CodeUnchanged {
			o.Applied, o.To = true, in.Intent.To
		}
		if !v.Apply {
			if v.Code == CodeRefused {
				o.RefusedUntil = in.RefusedUntil
			}
			return withAvailable(o, conflict)
		}
		sent := a.cfg.Clock.Now()
		cctx, cancel := context.WithTimeout(ctx, a.callTimeout())
		err := provider.ScaleIf(cctx, a.cfg.Provider, in.Intent.Ref, v.From, in.Intent.To, in.Intent.Created)
		cancel()
		now := a.cfg.Clock.Now()
		o.At, o.sent = now, sent
		// Only a write that found the count changed says what is
		// available; any other answer to this write (taken, refused,
		// failed) is not about the count the first one found.
		c, ok := provider.IsConflict(err)
		conflict = c
		if ok && attempt < maxAttempts {
			// The guards are asked again: the first write may have been
			// held up to the call timeout, time enough to lose the lease.
			in.Current, in.HasCurrent, in.Now, in.Leading = c.Current, true, now, a.leading()
			continue
		}
		return withAvailable(classify(o, v.From, err, ctx), conflict)
	}
}

// withAvailable adds to o the replicas available when a write found the
// count changed (c; nil when none did). The provider reports them with the
// count, and nothing else the actuator keeps says whether the count it
// yielded to serves yet: "it has 2 now" is a wake still starting with 0
// of them available, a function that is up with 2. A dropped intent's
// reason says it too, for the log and the explain API.
func withAvailable(o Outcome, c *provider.ConflictError) Outcome {
	if c == nil {
		return o
	}
	o.Available, o.HasAvailable = c.Available, true
	if !o.Applied {
		o.Reason += " (" + strconv.FormatUint(c.Available, 10) + " of them available)"
	}
	return o
}

// classify turns a write's error into the outcome's code.
func classify(o Outcome, from uint64, err error, ctx context.Context) Outcome {
	var refused *provider.RefusedError
	switch c, conflict := provider.IsConflict(err); {
	case err == nil:
		o.Applied, o.From, o.To, o.Current = true, from, o.Intent.To, o.Intent.To
		o.Reason = strconv.FormatUint(from, 10) + "→" + strconv.FormatUint(o.Intent.To, 10)
	case conflict:
		o.Code, o.Current = CodeChanged, c.Current
		o.Reason = fmt.Sprintf("the count kept changing (now %d): re-decided on fresh data", c.Current)
	case errors.As(err, &refused):
		o.Code, o.Err, o.Reason = CodeRefused, err, err.Error()
		if refused.HasLanded {
			// Written over from, though not to the count asked for.
			o.From, o.Current = from, refused.Landed
		}
	case errors.Is(err, provider.ErrNotFound):
		o.Code, o.Err, o.Reason = CodeGone, err, "the function no longer exists"
		var replaced *provider.ReplacedError
		if errors.As(err, &replaced) {
			o.Reason = "deployed again (created " + replaced.Current.UTC().Format(time.RFC3339) +
				") after the listing this was decided on: not written"
		}
	default:
		o.Code, o.Err = CodeError, err
		o.Reason = err.Error()
		if ctx.Err() != nil {
			o.Reason, o.stopped = "stopped: "+ctx.Err().Error(), true
		}
	}
	return o
}

// recordLocked updates the function's state from an outcome: the last
// write, the back-off, the refused count, the history. a.mu is held.
func (a *Actuator) recordLocked(s *slot, o Outcome) {
	it := o.Intent
	switch o.Code {
	case CodeApplied:
		s.last = Write{Who: it.Who, From: o.From, To: it.To, At: o.At, Sent: o.sent, Decided: it.Observed}
		s.unconfirmed = Write{}
		s.failures, s.backoffUntil, s.lastErr = 0, time.Time{}, ""
		// A refusal of another count holds until it ends: the provider
		// taking this count says nothing about that one (a quota that
		// refused 5 takes 3; a CE gateway that refused 0 takes 2).
		s.forgetRefusal(it.To, o.At)
		if a.log.Enabled(context.Background(), slog.LevelInfo) { // the arguments cost allocations even when discarded
			a.log.Info("scaled", "function", it.Ref.String(), "from", s.last.From, "to", it.To, "by", string(it.Who),
				"code", it.Code, "reason", it.Reason)
		}
	case CodeRefused:
		if o.Err == nil {
			// Arbitrate dropped a count refused before: the window runs from
			// the provider's refusal, not from each intent it drops, or a
			// count proposed every cycle would never be asked for again.
			break
		}
		r := Refusal{Replicas: it.To, Until: o.At.Add(a.cfg.RefusedBackoff)}
		if re := (*provider.RefusedError)(nil); errors.As(o.Err, &re) && re.HasLanded {
			// Part of it landed (OpenFaaS CE's cap): that is a write of
			// ours, which the next intents are arbitrated against. One
			// that landed the count the function had (faasd at 1, CE at
			// 5) changed nothing: recorded, it made an intent decided on
			// that very count read as stale (a review's finding).
			r.Landed, r.HasLanded = re.Landed, true
			if re.Landed != o.From {
				s.last = Write{Who: it.Who, From: o.From, To: re.Landed, At: o.At, Sent: o.sent, Decided: it.Observed}
				s.unconfirmed = Write{}
			}
		}
		s.refuse(r, o.At)
		if s.lastErr != o.Reason {
			a.log.Error("provider refused the replica count; not asking again before the back-off", "function", it.Ref.String(),
				"replicas", it.To, "by", string(it.Who), "retry_after", a.cfg.RefusedBackoff, "err", o.Err)
		}
		s.lastErr = o.Reason
	case CodeError, CodeGone:
		if o.Code == CodeError && it.To == 0 && !o.sent.IsZero() {
			// A scale to zero whose reply was lost (a timeout, a reset, the
			// pool stopping) may have landed: a gateway that applied it and
			// hung on the answer. Forgotten, a wake from zero on the load
			// this idle judged went through (see Input.Unconfirmed).
			s.unconfirmed = Write{Who: it.Who, From: o.Current, To: 0, At: o.At, Sent: o.sent, Decided: it.Observed}
		}
		if o.stopped {
			// This replica stopping (end of the term, shutdown) is not the
			// function's calls failing: a back-off would drop the next
			// term's first intents for it, and the failure count would
			// lengthen the back-off of the next real failure.
			a.log.Warn("scale call cancelled as the actuator stopped; it may or may not have landed", "function", it.Ref.String(),
				"from", it.From, "to", it.To, "by", string(it.Who), "err", o.Err)
			break
		}
		if replaced := (*provider.ReplacedError)(nil); errors.As(o.Err, &replaced) {
			// The answer is about the predecessor the intent was decided
			// on: nothing was written and the function now under the name
			// did nothing wrong. A back-off here dropped its own next
			// intents, and its explain showed the predecessor's failure.
			a.log.Info("not written: the function was deployed again after the listing this was decided on",
				"function", it.Ref.String(), "to", it.To, "by", string(it.Who), "created", replaced.Current)
			break
		}
		s.failures++
		back := a.cfg.BackoffInitial << min(s.failures-1, 30)
		if back > a.cfg.BackoffMax || back <= 0 {
			back = a.cfg.BackoffMax
		}
		s.backoffUntil = o.At.Add(back)
		s.lastErr = o.Reason
		a.log.Error("scale failed; backing off for this function only", "function", it.Ref.String(), "from", it.From,
			"to", it.To, "by", string(it.Who), "failures", s.failures, "retry_after", back, "err", o.Err)
	case CodeDryRun:
		if s.dryRunTo != it.To+1 && a.log.Enabled(context.Background(), slog.LevelInfo) {
			s.dryRunTo = it.To + 1
			a.log.Info("dry run: would scale", "function", it.Ref.String(), "from", it.From, "to", it.To, "by", string(it.Who),
				"code", it.Code, "reason", it.Reason)
		}
	}
	if o.Code != CodeDryRun {
		s.dryRunTo = 0
	}
	if o.Code != CodeUnchanged && a.cfg.HistorySize > 0 {
		if s.history == nil {
			s.history = make([]Outcome, 0, a.cfg.HistorySize) // once, not a growth per append
		}
		if len(s.history) >= a.cfg.HistorySize {
			copy(s.history, s.history[1:])
			s.history = s.history[:len(s.history)-1]
		}
		s.history = append(s.history, o)
	}
}

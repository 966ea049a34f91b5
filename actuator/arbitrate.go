package actuator

import (
	"fmt"
	"strconv"
	"time"
)

// Input is everything Arbitrate looks at for one intent.
type Input struct {
	Intent Intent
	Now    time.Time
	// Leading, Managed and DryRun are the guards enforced here once.
	Leading bool
	Managed bool // the namespace is one the controller manages
	DryRun  bool
	// Last is the actuator's last successful write to the function (zero
	// when none).
	Last Write
	// Unconfirmed is a scale to zero made after Last whose call failed once
	// sent (a lost reply): it may have landed, and a function found at zero
	// says it may well have. Zero when none.
	Unconfirmed Write
	// Current is the count the provider reported at a conditional write that
	// failed (HasCurrent); the intent is then re-decided against it.
	Current    uint64
	HasCurrent bool
	// BackoffUntil: the function's calls failed; nothing is tried before it.
	BackoffUntil time.Time
	// RefusedTo/RefusedUntil: the provider refused that count (HasRefused);
	// RefusedLanded is what it set instead (HasRefusedLanded), when it took
	// part of it.
	RefusedTo        uint64
	HasRefused       bool
	RefusedUntil     time.Time
	RefusedLanded    uint64
	HasRefusedLanded bool
}

// Verdict is Arbitrate's answer: apply the intent (From→To, From possibly
// updated to the re-read count) or drop it, with a reason code and words.
type Verdict struct {
	Apply  bool
	Code   Code
	From   uint64 // the count the write must find (the conditional write's expectation)
	Reason string
}

// Arbitrate decides whether one intent is written. It is pure.
//
// In order: the guards (leader, namespace, max, scheduled minimum); nothing
// to do when the function already has the count; a lower count is dropped
// when someone raised the function after the proposer looked, or when the
// count changed at all (it is re-decided on fresh data, never forced; one
// decided on the count the last write left, seen after that write was sent
// and before its reply came, is not stale); a
// raise that finds the function already higher is dropped, one that finds it
// changed but still lower goes ahead from the new count; a wake from zero
// whose evidence started before the function was idled (before the idle
// was decided) is dropped (that load is what the idle already judged),
// also after an idle whose reply was lost;
// then back-off, a recent refusal of the
// same count (unless the provider took part of it and the function has
// less than that part now), and dry-run.
func Arbitrate(in Input) Verdict {
	it := in.Intent
	drop := func(c Code, format string, a ...any) Verdict {
		return Verdict{Code: c, From: it.From, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case !in.Leading:
		return drop(CodeNotLeader, "not the leader: only the leader scales")
	case !in.Managed:
		return drop(CodeFiltered, "namespace %s is not managed (--namespaces)", it.Ref.Namespace)
	case it.Max > 0 && it.To > it.Max:
		return drop(CodeAboveMax, "%d is above max %d", it.To, it.Max)
	case it.To == 0 && it.ScheduledMin > 0:
		return drop(CodeScheduledMin, "scheduled minimum %d is active", it.ScheduledMin)
	}
	from := it.From
	if in.HasCurrent {
		from = in.Current
	}
	if it.To == from {
		return Verdict{Code: CodeUnchanged, From: from, Reason: "already at " + strconv.FormatUint(from, 10)}
	}
	last := in.Last
	// A write's reply can come long after it landed (a loaded API server).
	// A proposer that looked once the write was sent and saw the count it
	// wrote decided on its result, not before it: writes that changed
	// nothing are not recorded, so that count is not the one it found.
	sawLast := !last.Sent.IsZero() && !it.Observed.Before(last.Sent) && it.From == last.To
	stale := !last.At.IsZero() && last.At.After(it.Observed) && !sawLast
	// A lowering is one by its own decision too: 5→2 decided on 5, with the
	// count at 0 now (someone outside scaled it), is not a raise 0→2, and
	// certainly not a wake from zero on what was a scale-down.
	if it.To < from || (in.HasCurrent && it.To < it.From) {
		switch {
		case it.Up():
			// A raise that finds the function above it (only a re-read
			// does: from is then the count found) is already higher,
			// whoever raised it: raised_since is a lower count's code, and
			// asked first it named a pre-warm that the scaler's raise
			// overtook (prewarms_total{result="raised_since"}).
			return drop(CodeAlreadyHigher, "wanted %d→%d, but it has %d now", it.From, it.To, from)
		case stale && last.Raised():
			return drop(CodeRaisedSince, "%s raised it %d→%d at %s, after this was decided on %d",
				last.Who, last.From, last.To, stamp(last.At), it.From)
		case in.HasCurrent && in.Current != it.From:
			return drop(CodeChanged, "decided on %d, but it has %d now: re-decided on fresh data", it.From, in.Current)
		case stale:
			return drop(CodeChanged, "%s changed it %d→%d at %s, after this was decided on %d",
				last.Who, last.From, last.To, stamp(last.At), it.From)
		}
	}
	// The idle a wake from zero follows: the last write, or a newer scale
	// to zero whose reply was lost, which the count of 0 now says landed
	// (or someone else idled it since: the load is older either way).
	idle, lost := last, false
	if u := in.Unconfirmed; u.To == 0 && u.At.After(last.At) {
		idle, lost = u, true
	}
	// The idle judged the load up to its decision (Write.Decided), made
	// before its write was sent: load measured since then is new, however
	// long the idle then waited in the queue (an idler cycle proposes every
	// idle at once; a slow provider sends them minutes later) and however
	// late its reply came. Against the reply's time, a genuine wake on a
	// slow provider waited up to a call timeout; against the send time, up
	// to the queue's wait (reviews' findings). Without a decision time the
	// send time, then the reply's, stand in (both later: more cautious).
	judged, when := idle.At, ""
	switch {
	case !idle.Decided.IsZero() && (idle.Sent.IsZero() || !idle.Decided.After(idle.Sent)):
		judged, when = idle.Decided, "decided"
	case !idle.Sent.IsZero():
		judged, when = idle.Sent, "sent"
	}
	if it.To > from && from == 0 && idle.To == 0 && !idle.At.IsZero() && idle.Who != it.Who &&
		!it.EvidenceFrom.IsZero() && it.EvidenceFrom.Before(judged) {
		switch {
		case lost:
			return drop(CodeStaleEvidence, "wake from zero on load measured since %s, before %s's scale to zero %s at %s, whose reply was lost (it is at 0 now)",
				stamp(it.EvidenceFrom), idle.Who, when, stamp(judged))
		case when == "":
			return drop(CodeStaleEvidence, "wake from zero on load measured since %s, before %s scaled it to zero at %s",
				stamp(it.EvidenceFrom), idle.Who, stamp(idle.At))
		}
		return drop(CodeStaleEvidence, "wake from zero on load measured since %s, before %s scaled it to zero (%s at %s, answered at %s)",
			stamp(it.EvidenceFrom), idle.Who, when, stamp(judged), stamp(idle.At))
	}
	switch {
	case in.Now.Before(in.BackoffUntil):
		return drop(CodeBackoff, "calls for it failed; backing off until %s", stamp(in.BackoffUntil))
	case in.HasRefused && in.RefusedTo == it.To && in.Now.Before(in.RefusedUntil) && !(in.HasRefusedLanded && from < in.RefusedLanded):
		// A count refused with part of it landed (OpenFaaS CE's cap) is
		// asked again from below that part: it lands it again.
		return drop(CodeRefused, "the provider refused %d; not asking again before %s", it.To, stamp(in.RefusedUntil))
	case in.DryRun:
		return Verdict{Code: CodeDryRun, From: from, Reason: fmt.Sprintf("dry run: would scale %d→%d", from, it.To)}
	}
	// Formatted without fmt: every write of every cycle comes through here.
	return Verdict{Apply: true, Code: CodeApplied, From: from, Reason: strconv.FormatUint(from, 10) + "→" + strconv.FormatUint(it.To, 10)}
}

// Merge chooses between an intent still queued for a function and a new one
// for the same function: a component's newer intent replaces its older one;
// between components the higher count wins (a scale-up beats a concurrent
// scale-down), the newer on a tie. It returns the intent to run first and
// the other. The actuator drops the other at once only when both are the
// same component's; between components it keeps it as a fallback, run if
// the first is not applied (see slot.add).
func Merge(queued, incoming Intent) (keep, dropped Intent) {
	if incomingWins(queued, incoming) {
		return incoming, queued
	}
	return queued, incoming
}

func incomingWins(queued, incoming Intent) bool {
	return queued.Who == incoming.Who || incoming.To >= queued.To
}

func stamp(t time.Time) string { return t.UTC().Format("15:04:05.000") }

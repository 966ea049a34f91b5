package scaler

import (
	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ownWrite is the loop's last write that landed for a step mode function:
// the seq of the decision that asked for it, the count written, and the
// function's creation time as the intent named it. Kept so that a drop
// that ends a step (exact CE's on a resolution or a lapse, step mode's
// ramp end) and meets this very write at its own write is not taken for
// one overtaken by a newer raise: the drop was decided on a read that had
// not seen it yet (a lagging informer cache), or while it was still in
// flight (a slow provider), and the write is older than the drop's reason,
// not a newer intent. Only step mode's functions keep one (no other mode
// takes a step back), in a map beside fns: fnState fills its size class
// to the byte (footprint_test.go).
type ownWrite struct {
	seq     uint32
	to      uint64
	created int64 // Intent.Created in Unix nanoseconds; 0 when not listed
}

// keepOwnWriteLocked records an applied outcome of the decision numbered
// seq as the function's last own write, when its function is in step
// mode (exact CE or not); any other mode's forgets it. Outcomes of one function come in the
// order the actuator ran their intents, so a drop's outcome finds here
// every write of a decision made before it that landed. mu is held.
func (l *Loop) keepOwnWriteLocked(fs *fnState, seq uint64, o actuator.Outcome) {
	if fs.spec == nil || !fs.spec.Step() || fs.spec.Static() {
		delete(l.ownWrites, fs.ref)
		return
	}
	if o.Code != actuator.CodeApplied {
		return // not written by this intent: unchanged found it there already
	}
	if l.ownWrites == nil {
		l.ownWrites = make(map[provider.Ref]ownWrite)
	}
	l.ownWrites[fs.ref] = ownWrite{seq: uint32(seq), to: o.To, created: createdNanos(o.Intent)}
}

// owedDropFrom reports, for a drop (decision seq) that outcome o found
// overtaken by a raise, whether that raise is the loop's own earlier write
// (w), and then the count the drop is owed from. It is when the drop was
// decided below the count w wrote (its read had not seen w: a lagging cache,
// or w still in flight), by a decision after w's, on the same function,
// and the count found is no higher than w's (changed: the count the write
// met; raised_since: the actuator names no count, and w's stands in).
// The drop is then owed from the count found, so the next pass keeps a
// raise above it by someone else (owedDrop), as it keeps one above any
// count an owed drop was decided on.
func owedDropFrom(w ownWrite, ok bool, seq uint64, o actuator.Outcome) (uint64, bool) {
	in := o.Intent
	if !ok || uint64(w.seq) >= seq || w.to <= in.From || w.created != createdNanos(in) {
		return 0, false
	}
	switch {
	case o.Code == actuator.CodeRaisedSince:
		return w.to, true
	case o.Code == actuator.CodeChanged && o.Current <= w.to:
		return o.Current, true
	}
	return 0, false
}

// createdNanos is in.Created as ownWrite keeps it (a zero time: 0).
func createdNanos(in actuator.Intent) int64 {
	if in.Created.IsZero() {
		return 0
	}
	return in.Created.UnixNano()
}

package leader

import (
	"context"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// record is what a Lease says about its holder; it is compared whole
// (same) to notice a renewal.
type record struct {
	holder      string
	duration    time.Duration
	acquired    time.Time
	renewed     time.Time
	transitions int32
}

func recordOf(l *coordinationv1.Lease) record {
	r := record{holder: ptr.Deref(l.Spec.HolderIdentity, "")}
	if s := l.Spec.LeaseDurationSeconds; s != nil {
		r.duration = time.Duration(*s) * time.Second
	}
	if t := l.Spec.AcquireTime; t != nil {
		r.acquired = t.Time
	}
	if t := l.Spec.RenewTime; t != nil {
		r.renewed = t.Time
	}
	r.transitions = ptr.Deref(l.Spec.LeaseTransitions, 0)
	return r
}

// same reports whether a and b say the same. Times compare as instants: ==
// on time.Time also compares the location and the monotonic reading, so a
// renewal time decoded or copied differently would read as a change, and a
// follower that sees a change at every poll never finds the lease expired.
func (a record) same(b record) bool {
	return a.holder == b.holder && a.duration == b.duration && a.transitions == b.transitions &&
		a.acquired.Equal(b.acquired) && a.renewed.Equal(b.renewed)
}

// observer remembers the last record seen and when, on this replica's clock:
// a record that has not changed for its lease duration has expired. Comparing
// the record's renewTime with our clock would trust the leader's clock.
type observer struct {
	mu     sync.Mutex
	rec    record
	seenAt time.Time // when rec was first seen
	readAt time.Time // when the Lease last answered (rec, read or written)
	any    bool
}

// observe notes l as seen at now and returns its record and whether it
// expired: held by someone and unchanged for its duration.
func (o *observer) observe(l *coordinationv1.Lease, now time.Time) (record, bool) {
	r := recordOf(l)
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.any || !r.same(o.rec) {
		o.rec, o.seenAt, o.any = r, now, true
	}
	o.readAt = now
	return r, now.Sub(o.seenAt) >= r.duration
}

// held reports whether the Lease answered less than within ago and its
// record then named a holder whose term still stood, expiry judged at that
// answer as the election judges it there (observe). Not at now: between two
// polls, which may be further apart than the lease duration, the election
// has judged nothing, and a holder renewing meanwhile is no lost holder. A
// replica whose reads fail holds no proof of a holder, so it reads false
// within `within` of its last answer (missing is not held), however long
// the record's own duration.
func (o *observer) held(now time.Time, within time.Duration) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.any && o.rec.holder != "" && o.readAt.Sub(o.seenAt) < o.rec.duration && now.Sub(o.readAt) < within
}

// live returns the holder of the last record seen and whether that record
// still stands (seen changed less than its duration ago).
func (o *observer) live(now time.Time) (holder string, live bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.any || o.rec.holder == "" {
		return "", false
	}
	return o.rec.holder, now.Sub(o.seenAt) < o.rec.duration
}

// tryAcquireOrRenew makes one attempt to hold the Lease: create it when it
// does not exist, take it when it is free or expired, renew it when it is
// ours. It returns whether we hold it now; lost is true when another replica
// holds a live lease (or held one we saw, now deleted, that has not yet
// expired), err when the API server did not answer.
func (e *Elector) tryAcquireOrRenew(ctx context.Context) (held, lost bool, err error) {
	now := e.cfg.Clock.Now()
	if mine := e.mine.Swap(nil); mine != nil {
		// We held it as of our last write: renew over that write, without
		// reading it first, as client-go's elector does (one call every
		// RetryPeriod instead of two). The write is conditional on the
		// resourceVersion our write got, so if anyone has written since,
		// it fails, and the read below sees who holds it now.
		next := mine.DeepCopy()
		rec := recordOf(mine)
		e.claim(next, &rec, now)
		if updated, err := e.cfg.Client.UpdateLease(ctx, next); err == nil {
			return e.wrote(updated, now)
		}
		if ctx.Err() != nil {
			return false, false, fmt.Errorf("update lease: %w", ctx.Err())
		}
	}
	cur, err := e.cfg.Client.GetLease(ctx, e.cfg.Namespace, e.cfg.LeaseName)
	if apierrors.IsNotFound(err) {
		// No Lease is no proof that nobody leads: an operator deleting it
		// (to force a failover, or in a clean-up) does not stop the leader,
		// which finds out only at its next renewal, up to RetryPeriod
		// later. A holder we saw renewing keeps its term, as if its record
		// still stood, until that record would have expired; if it is alive
		// it re-creates the Lease meanwhile. A replica that never saw a
		// holder (the first start) creates it at once.
		if holder, live := e.obs.live(e.cfg.Clock.Now()); live && holder != e.cfg.Identity {
			return false, true, nil
		}
		l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: e.cfg.Namespace, Name: e.cfg.LeaseName}}
		e.claim(l, nil, now)
		created, err := e.cfg.Client.CreateLease(ctx, l)
		if err != nil {
			return false, false, fmt.Errorf("create lease: %w", err)
		}
		return e.wrote(created, now)
	}
	if err != nil {
		return false, false, fmt.Errorf("get lease: %w", err)
	}
	// The record is stamped as seen when the read returned, not at now
	// (before it was sent), as client-go does: a record written while a
	// slow read was in flight was not there at now, and stamping it then
	// would age it by the read's duration and have us take the lease that
	// much early, while its holder still works. now stays what we write as
	// renewTime and what our own term counts from (acquire's won): for a
	// holder the earlier instant is the safe one.
	rec, expired := e.obs.observe(cur, e.cfg.Clock.Now())
	if rec.holder != "" {
		e.observeLeader(rec.holder)
	}
	if rec.holder != "" && rec.holder != e.cfg.Identity && !expired {
		return false, true, nil
	}
	next := cur.DeepCopy() // keeps the resourceVersion: a racing writer makes this a conflict
	e.claim(next, &rec, now)
	updated, err := e.cfg.Client.UpdateLease(ctx, next)
	if err != nil {
		return false, false, fmt.Errorf("update lease: %w", err)
	}
	return e.wrote(updated, now)
}

// wrote notes the Lease our write left, as the server answered it: we hold
// it as of now.
func (e *Elector) wrote(l *coordinationv1.Lease, now time.Time) (held, lost bool, err error) {
	e.mine.Store(l)
	e.obs.observe(l, now)
	e.observeLeader(e.cfg.Identity)
	return true, false, nil
}

// claim writes us into l's spec as the holder, renewed at now; prev is the
// record it had, for the acquire time and the transition count (nil: the
// Lease is new, no transition yet).
//
// Every acquisition by a replica that did not hold it counts a transition,
// a released Lease's (empty holder) included, as client-go's elector counts
// them: a graceful handover (every rolling update: the old leader releases
// on SIGTERM) was not counted, and leaseTransitions stayed 0 however often
// leadership moved.
func (e *Elector) claim(l *coordinationv1.Lease, prev *record, now time.Time) {
	t := metav1.NewMicroTime(now)
	var acquired metav1.MicroTime
	var transitions int32
	switch {
	case prev == nil:
		acquired = t
	case prev.holder != e.cfg.Identity:
		acquired, transitions = t, prev.transitions+1
	default:
		acquired, transitions = metav1.NewMicroTime(prev.acquired), prev.transitions
	}
	l.Spec.HolderIdentity = ptr.To(e.cfg.Identity)
	l.Spec.LeaseDurationSeconds = ptr.To(int32(e.cfg.LeaseDuration / time.Second))
	l.Spec.AcquireTime = &acquired
	l.Spec.RenewTime = &t
	l.Spec.LeaseTransitions = ptr.To(transitions)
}

// release hands the lease over at once, if it is still ours: an empty holder
// with a one-second duration, as client-go writes on release, so a follower
// takes it at its next poll instead of after LeaseDuration. It is called
// only after the work has returned.
func (e *Elector) release(ctx context.Context) error {
	e.mine.Store(nil) // the next term starts from a read
	cur, err := e.cfg.Client.GetLease(ctx, e.cfg.Namespace, e.cfg.LeaseName)
	if err != nil {
		return fmt.Errorf("get lease: %w", err)
	}
	if ptr.Deref(cur.Spec.HolderIdentity, "") != e.cfg.Identity {
		return nil // someone took it after our term; it is not ours to release
	}
	next := cur.DeepCopy()
	now := metav1.NewMicroTime(e.cfg.Clock.Now())
	next.Spec.HolderIdentity = ptr.To("")
	next.Spec.LeaseDurationSeconds = ptr.To(int32(1))
	next.Spec.RenewTime = &now
	next.Spec.AcquireTime = &now
	released, err := e.cfg.Client.UpdateLease(ctx, next)
	if err != nil {
		return fmt.Errorf("update lease: %w", err)
	}
	e.obs.observe(released, now.Time) // no holder: lease_held reads 0 at once
	return nil
}

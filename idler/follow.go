package idler

import (
	"context"
	"log/slog"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A function's state follows what the listing shows, not what a write's
// answer said: a scale to zero answered with an error (a response that
// timed out after faas-netes changed the Deployment) may have landed, and
// only a listing tells.

// followListing updates st from fn as this cycle's listing shows it at now:
// at zero or not, and raised from zero: woken, or raised for a scheduled
// minimum. The caller holds mu; d.cycleNext is this cycle's.
func (d *Idler) followListing(st *fnState, fn *provider.Function, now time.Time) {
	unsure := st.times != nil && st.times.zeroFrom > 0
	if fn.Replicas > 0 && (st.atZero || unsure) {
		if d.minimumNear(fn, now) {
			// Raised for its scheduled minimum (the scaler's floor ahead
			// of it, MinFloorAhead; the idler's restore answered with an
			// error that landed; an operator): no wake. Nobody's requests
			// wait for the replica, and read as one the function was held
			// a keep-alive past the minimum's end ("woken from zero 2m11s
			// ago": a review's finding). Calls made while the minimum
			// holds it are load like any other (Observation, after it).
			st.setTimes().raisedAt = now.UnixNano()
		} else {
			// Woken: someone raised it from zero since the last listing.
			// After a scale to zero whose outcome was unknown, a running
			// function may have been at zero and woken since, for
			// requests still waiting for the replica (whose start the
			// source shows only later); the listing cannot tell that from
			// a write that never landed, so it is taken as a wake: at
			// worst the function is kept one keep-alive longer.
			st.setTimes().wokenAt = now
			st.wakeUnsure = !st.atZero
		}
		if unsure {
			st.times.zeroFrom = 0
		}
	}
	st.atZero = fn.Replicas == 0
}

// minimumNear says whether fn has a scheduled minimum active at now or
// starting by the idler's next run (d.cycleNext), as the scaler's floor
// (MinFloorAhead, over the same next run) and the idler's restore ahead
// raise it for. Asked only of a function found raised from zero: a
// schedule that does not parse says no (a raise is a wake then).
func (d *Idler) minimumNear(fn *provider.Function, now time.Time) bool {
	if !hasMinSchedule(fn) {
		return false
	}
	v, ok, err := minScheduleValue(*fn)
	if !ok || err != nil {
		return false
	}
	n, _, err := d.schedule.active(v, now)
	if err != nil {
		return false
	}
	if n == 0 {
		n, _ = d.schedule.upcoming(v, now, d.cycleNext)
	}
	return n > 0
}

// followReadiness keeps since when fn's replicas have not all been ready,
// as this cycle's listing shows them at now: Decide holds off idling for a
// while (they may be starting for someone), not for ever (a crash-looping
// replica is never ready). Kept for opted-in functions only (optIn), the
// only ones it can matter for: any function's new replicas are unready for
// a while, and fnTimes is not made for every function of a fleet.
func followReadiness(st *fnState, fn *provider.Function, optIn bool, now time.Time) {
	switch {
	case fn.AvailableReplicas >= fn.Replicas:
		if st.times != nil {
			st.times.unreadySince = 0
		}
	case optIn:
		if t := st.setTimes(); t.unreadySince == 0 {
			t.unreadySince = now.UnixNano()
		}
	}
}

// fnTimes are a function's times that most functions never set.
type fnTimes struct {
	lastActive   time.Time
	refusedUntil time.Time
	// wokenAt: when a listing found it running again after one left it at
	// zero. Someone woke it (the gateway's scale from zero, the scaler, a
	// pre-warm), so requests are likely waiting for its replica and have
	// not started yet. Not a raise for a scheduled minimum (raisedAt).
	wokenAt time.Time
	// lastSeries: the last cycle whose activity had a gateway series for
	// it; a series missing since then is vanished, not "never invoked".
	lastSeries time.Time
	// lastQueue: the last cycle whose activity had a queue reading for it
	// (Unix nanoseconds; 0: none). A reading missing since then (its
	// consumer being recreated, a queue worker that dropped its gauge) is
	// a backlog unknown, not none.
	lastQueue int64
	// zeroFrom: a scale to zero from this many replicas was answered with
	// an error, which does not say whether it landed; the next listing
	// says (followListing, zeroLanded). 0: none pending.
	zeroFrom uint64
	// unreadySince: the first listing of the stretch in which the function
	// has had fewer ready replicas than desired, in Unix nanoseconds (0:
	// all ready). 8 bytes, not a time.Time: a crash loop is rare.
	unreadySince int64
	// raisedAt: the last raise from zero that was no wake, in Unix
	// nanoseconds (0: none): the idler's own restore (when its reply came),
	// or a listing that found the function running with a scheduled
	// minimum active or about to start (followListing). The source sees
	// it too, a gateway poll and a scrape later, as Activity.Woken:
	// rememberWake ignores that.
	raisedAt int64
}

// t returns a copy of st's times (all zero when it has none); write
// through setTimes.
func (st *fnState) t() fnTimes {
	if st.times == nil {
		return fnTimes{}
	}
	return *st.times
}

// setTimes returns st's times for writing, made on first need.
func (st *fnState) setTimes() *fnTimes {
	if st.times == nil {
		st.times = new(fnTimes)
	}
	return st.times
}

// unreadySinceOf is tm's unreadySince as a time (zero: all ready).
func unreadySinceOf(tm *fnTimes) time.Time {
	if tm.unreadySince == 0 {
		return time.Time{}
	}
	return time.Unix(0, tm.unreadySince)
}

// zeroLanded completes a scale to zero answered with an error that the
// listing shows at zero: it landed. It is counted and told as one that was
// answered applied (idled), and the action that is explained says so, not
// the error. Called once the cycle has parsed fn's labels; returns the
// action.
func (d *Idler) zeroLanded(fn *provider.Function, st *fnState, spec ZeroSpec, specErr error) string {
	from := st.times.zeroFrom
	st.times.zeroFrom = 0
	st.times.refusedUntil = time.Time{}
	st.refusedLogged = false
	d.m.idled.Inc()
	if zo, ok := d.cfg.KeepAlive.(ZeroObserver); ok && specErr == nil && spec.Auto {
		zo.Zeroed(fn.Ref, from)
	}
	if d.log.Enabled(context.Background(), slog.LevelInfo) {
		d.log.Info("scaled to zero: the provider answered with an error, but the listing shows 0 replicas",
			"function", fn.Ref.String(), "from", from)
	}
	return "scaled to zero: the provider answered with an error, but the listing shows 0 replicas"
}

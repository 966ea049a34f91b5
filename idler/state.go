package idler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// fnState is what the idler remembers about one function between cycles:
// one per function of the fleet, so what it keeps is what Explain or a
// decision needs and cannot make from what the listing, the parse or the
// Idler hold (footprint_test.go tells what it was cut from).
type fnState struct {
	// firstSeen is when the idler first listed it, in Unix nanoseconds
	// (unixKey; 8 bytes, not a 24-byte time.Time), read back in the
	// cycle's zone (firstSeenIn).
	firstSeen int64
	// times holds the times only an opted-in or woken function sets; nil
	// while all are zero. Most functions of a fleet are not opted in (the
	// label has no default), and for them those 96 bytes were a third of the
	// state kept: 28.8 MB at 100,000 functions.
	times *fnTimes
	// atZero: the last listing (or our own scale) left it at zero replicas
	// (see fnTimes.wokenAt). (Beside refusedLogged: two bools in one word.)
	atZero        bool
	refusedLogged bool
	// noSchedule: the labels, as last parsed (scaler.ParsedSpec), have no
	// MinScheduleLabel, as label or annotation, so the cycle does not look
	// for one (two lookups per function per cycle). In the same word.
	noSchedule bool
	// wakeUnsure: fnTimes.wokenAt is a listing that found the function
	// running after a scale to zero whose outcome was unknown (listing.go),
	// not one that found it at zero. In the same word.
	wakeUnsure bool
	// seen is the low 32 bits of the last cycle number that listed it
	// (Idler.cycles), in the same word: it is only compared with the
	// current cycle's, and a state not listed by a cycle is forgotten by
	// it, so a kept one is of this cycle or the one before, never 2³²
	// cycles old.
	seen uint32
	// created is the listed CreatedAt in Unix nanoseconds (0: unknown; 8
	// bytes, not a 24-byte time.Time, keeps fnState in its size class): a
	// different one is a new function under the name (renew).
	created int64
	// explain is the last cycle's explanation; the last action and its time
	// are kept there only (explain.more), not in a second copy here.
	explain explained
	parsed  scaler.ParsedSpec // its labels' parse under the idler's defaults (specGen), reused while they do not change
}

// firstSeenIn is st.firstSeen as a time in loc (the cycle's zone, which
// it was in when kept: a function first seen by a cycle at 19:00 New York
// time is still worded so), zero when unknown.
func (st *fnState) firstSeenIn(loc *time.Location) time.Time {
	if st.firstSeen == 0 {
		return time.Time{}
	}
	return time.Unix(0, st.firstSeen).In(loc)
}

// unixKey is a time as fnState keeps it (created, firstSeen): Unix
// nanoseconds, 0 for the zero time.
func unixKey(at time.Time) int64 {
	if at.IsZero() {
		return 0
	}
	return at.UnixNano()
}

// renew starts st afresh for a new function listed under its name (deleted
// and deployed again between two cycles; created is its CreatedAt's key), as
// if first seen now: what the idler kept of the old one (its refusal
// back-off, last activity and action, wake from zero, at zero) is not the new
// one's. The parse of the labels is kept: it is of the labels' content.
func (st *fnState) renew(created int64, now time.Time) {
	*st = fnState{firstSeen: unixKey(now), created: created, seen: st.seen, noSchedule: st.noSchedule, parsed: st.parsed}
}

package alerts

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// retries remembers, per AlertManager group, the alerts of the notification
// the webhook last answered with a 5xx, and when each was first handed on
// in it. AlertManager sends such a notification again until one is
// answered 2xx: within the flush with back-off (measured on Debian's
// AlertManager 0.25 with group_interval 10s: 0.5, 1.3, 2.3, 4.5 and 7.4 s
// after the first attempt), then at every group_interval. Each of those is
// the same delivery, not the repeat OpenFaaS CE steps on; the alerts of a
// batch answered 503 were mostly taken (the scaler queues an alert and still
// answers 503 while its last provider contact failed, so that the alert is
// not lost if acting on it fails). A later copy is handed on with
// Signal.RetryOf, so step mode steps once per notification, however long
// AlertManager retries it (StepDedup alone covered 5 s of it).
//
// Only AlertManager's notifications (version 4, with a group key) are
// remembered: Grafana does not retry, so its next notification of a group
// is a repeat, and a sender without a version is not known to retry.
//
// What is kept is hashes and times, never the sender's strings: a group key
// or fingerprint is as long as the body allows (1 MiB by default), and any
// sender can post while the scaler answers 503.
type retries struct {
	mu     sync.Mutex
	groups map[groupID]*retried
	alerts int // instances held in all groups, at most maxRetriedAlerts
}

// groupID names one AlertManager notification stream, a receiver's group,
// by a hash of both. HA AlertManagers share group keys, and a peer sends the
// notification the other could not deliver: the same delivery again.
type groupID uint64

// instance is one alert instance of a notification (fingerprint, status,
// startsAt) by a hash: startsAt as an instant, whatever offset it was
// written with (AlertManager passes on Prometheus' time zone).
type instance uint64

var retrySeed = maphash.MakeSeed()

func groupOfKey(receiver, key string) groupID {
	var h maphash.Hash
	h.SetSeed(retrySeed)
	h.WriteString(receiver)
	h.WriteByte(0)
	h.WriteString(key)
	return groupID(h.Sum64())
}

func instanceOf(sig *scaler.Signal) instance {
	var h maphash.Hash
	h.SetSeed(retrySeed)
	h.WriteString(sig.Fingerprint)
	h.WriteByte(0)
	h.WriteString(string(sig.Status))
	h.WriteByte(0)
	n := sig.StartsAt.UnixNano()
	for range 8 {
		h.WriteByte(byte(n))
		n >>= 8
	}
	if n := instance(h.Sum64()); n != 0 {
		return n
	}
	return 1 // 0 is "no signal"
}

// retried is one group's notification answered 5xx. first is never changed
// once published (answered builds a new map), so a request reads it without
// the lock.
type retried struct {
	first map[instance]time.Time // when each alert was first received in it
	last  time.Time              // when the last 5xx was answered
	// delivered is when a copy was first answered 2xx (zero: none yet).
	// The entry is kept peerGrace longer: an HA peer retrying the same
	// notification, its back-off loop still running, delivers its copy
	// after the other's success, and handed on without RetryOf it stepped
	// step mode a second time once past StepDedup (a review's finding).
	delivered time.Time
}

// live says whether e still names a delivery at now.
func (e *retried) live(now time.Time) bool {
	if !e.delivered.IsZero() {
		return now.Sub(e.delivered) <= peerGrace
	}
	return now.Sub(e.last) <= retryMemory
}

// peerGrace is how long a notification answered 2xx is still taken for the
// same delivery: longer than AlertManager's flush (its retries of one
// attempt, 10 s at least), shorter than the generated route's
// repeat_interval (30 s), whose repeat is a new delivery.
const peerGrace = 20 * time.Second

// retryMemory is how long a group's entry outlives its last 5xx. AlertManager
// sends an unacknowledged notification again at every group_interval (5 m by
// default, 10 s in OpenFaaS CE's configuration); an entry an hour old belongs
// to a group AlertManager gave up on (restarted, or the group is gone).
const retryMemory = time.Hour

// maxRetriedGroups and maxRetriedAlerts bound the memory (about 40 bytes an
// alert: a few MiB at most): past either, the groups answered 5xx longest
// ago are forgotten first (their retries then count as new deliveries, as
// before retries were remembered).
const (
	maxRetriedGroups = 4096
	maxRetriedAlerts = 1 << 16
)

// of returns the group's alerts first received in a notification being
// retried, nil for none. The map must not be changed.
func (r *retries) of(g groupID, now time.Time) map[instance]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.groups[g]
	if e == nil || !e.live(now) {
		return nil
	}
	return e.first
}

// answered records the answer code to the group's notification: a 5xx keeps
// its alerts (sigs: the instances of those that made a signal, 0 for the
// others) for the retry, with the earliest time each was received in the
// notification, and keeps those the group held that this attempt left out
// (AlertManager's max_alerts cuts a changing group at a changing place:
// one left out of an attempt comes back in a later one). Any other answer
// ends the delivery, and AlertManager sends the group again only as a new
// notification.
func (r *retries) answered(g groupID, code int, sigs []instance, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// The entry now held, not the one read when the request came: another
	// copy of the notification (an HA peer's, an overlapping retry) may
	// have been answered meanwhile, and the earliest receipt stays.
	var held map[instance]time.Time
	var delivered time.Time
	if e := r.groups[g]; e != nil {
		r.alerts -= len(e.first)
		delete(r.groups, g)
		if e.live(now) {
			held, delivered = e.first, e.delivered
		}
	}
	if code < 500 {
		if held != nil {
			// Delivered: kept for a peer's copy (peerGrace), from the
			// first success, not extended by the copies.
			if delivered.IsZero() {
				delivered = now
			}
			r.groups[g] = &retried{first: held, last: now, delivered: delivered}
			r.alerts += len(held)
		}
		return
	}
	first := make(map[instance]time.Time, len(sigs))
	for _, in := range sigs {
		if in == 0 {
			continue // no signal was made of it
		}
		if _, ok := first[in]; ok || len(first) >= maxRetriedAlerts {
			continue
		}
		if t, ok := held[in]; ok {
			first[in] = t
		} else {
			first[in] = now
		}
	}
	for in, t := range held {
		if len(first) >= maxRetriedAlerts {
			break
		}
		if _, ok := first[in]; !ok {
			first[in] = t
		}
	}
	if r.groups == nil {
		r.groups = make(map[groupID]*retried)
	}
	for len(r.groups) > 0 && (len(r.groups) >= maxRetriedGroups || r.alerts+len(first) > maxRetriedAlerts) {
		r.evictLocked(now)
	}
	r.groups[g] = &retried{first: first, last: now}
	r.alerts += len(first)
}

// evictLocked drops the groups past retryMemory, and if none was, the one
// answered longest ago.
func (r *retries) evictLocked(now time.Time) {
	var oldest groupID
	var at time.Time
	dropped := false
	for g, e := range r.groups {
		switch {
		case !e.live(now):
			r.alerts -= len(e.first)
			delete(r.groups, g)
			dropped = true
		case at.IsZero() || e.last.Before(at):
			oldest, at = g, e.last
		}
	}
	if !dropped && !at.IsZero() {
		r.alerts -= len(r.groups[oldest].first)
		delete(r.groups, oldest)
	}
}

package alerts

import (
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// retries remembers, per AlertManager group, the alerts of the last
// notification the webhook answered with a 5xx, and when each was first
// handed on in it. AlertManager sends such a notification again until one
// is answered 2xx: within the flush with back-off (measured on Debian's
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
type retries struct {
	mu     sync.Mutex
	groups map[groupID]*retried
}

// groupID names one AlertManager notification stream: a receiver's group.
// HA AlertManagers share group keys, and a peer sends the notification the
// other could not deliver: the same delivery again.
type groupID struct{ receiver, key string }

// instance is one alert instance of a notification.
type instance struct {
	fingerprint string
	status      scaler.AlertStatus
	startsAt    time.Time
}

// retried is one group's last notification answered 5xx. first is never
// changed once published (record builds a new map), so a request reads it
// without the lock.
type retried struct {
	first map[instance]time.Time // when each alert was first received in it
	last  time.Time              // when the last 5xx was answered
}

// retryMemory is how long a group's entry outlives its last 5xx. AlertManager
// sends an unacknowledged notification again at every group_interval (5 m by
// default, 10 s in OpenFaaS CE's configuration); an entry an hour old belongs
// to a group AlertManager gave up on (restarted, or the group is gone).
const retryMemory = time.Hour

// maxRetriedGroups bounds the memory: past it, the group answered 5xx
// longest ago is forgotten first (its retries then count as new deliveries,
// as before retries were remembered).
const maxRetriedGroups = 4096

// of returns the group's alerts first received in a notification being
// retried, nil for none. The map must not be changed.
func (r *retries) of(g groupID, now time.Time) map[instance]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.groups[g]
	if e == nil || now.Sub(e.last) > retryMemory {
		return nil
	}
	return e.first
}

// answered records the answer code to the group's notification: a 5xx keeps
// its alerts (those that decoded into a signal, with their first times from
// prior) for the retry; any other answer ends the delivery, and AlertManager
// sends the group again only as a new notification.
func (r *retries) answered(g groupID, code int, prior map[instance]time.Time, results []AlertResult, sigs []instance, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if code < 500 {
		delete(r.groups, g)
		return
	}
	first := make(map[instance]time.Time, len(sigs))
	for i, in := range sigs {
		if in.fingerprint == "" || results[i].Result == alertInvalid {
			continue // no signal was made of it
		}
		if t, ok := prior[in]; ok {
			first[in] = t
		} else {
			first[in] = now
		}
	}
	if r.groups == nil {
		r.groups = make(map[groupID]*retried)
	}
	if _, ok := r.groups[g]; !ok && len(r.groups) >= maxRetriedGroups {
		r.evictLocked(now)
	}
	r.groups[g] = &retried{first: first, last: now}
}

// evictLocked drops the groups past retryMemory, and if none was, the one
// answered longest ago.
func (r *retries) evictLocked(now time.Time) {
	var oldest groupID
	var at time.Time
	dropped := false
	for g, e := range r.groups {
		switch {
		case now.Sub(e.last) > retryMemory:
			delete(r.groups, g)
			dropped = true
		case at.IsZero() || e.last.Before(at):
			oldest, at = g, e.last
		}
	}
	if !dropped && !at.IsZero() {
		delete(r.groups, oldest)
	}
}

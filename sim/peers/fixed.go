package peers

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// FixedKeepAlive keeps each replica warm for a fixed time after the last
// request that needed it (from that request's arrival; a replica whose
// request outlives the keep-alive goes when the request ends), and starts
// replicas on demand when a request finds no free capacity: AWS Lambda (~10 min), Azure Functions (20 min), the
// faas-idler and OpenFaaS Pro's 15-minute default, and the baseline that
// Shahrad et al. normalise against (10 min).
type FixedKeepAlive struct{ KeepAlive time.Duration }

func (p FixedKeepAlive) Name() string { return fmt.Sprintf("fixed-%s", shortDur(p.KeepAlive)) }

func (p FixedKeepAlive) NewController(fn sim.FunctionInfo, _ time.Time) sim.Controller {
	return &fixedCtl{c: fn.Concurrency, d: demand{window: p.KeepAlive}}
}

type fixedCtl struct {
	c int
	d demand
}

func (f *fixedCtl) Arrival(now time.Time, s sim.State) sim.Decision {
	n := need(s.Inflight, s.Queued, f.c)
	f.d.add(now, n)
	want := max(s.Desired, n)
	return sim.Decision{Replicas: want, Wake: f.d.next(), Reason: reasonIf(want > s.Desired, "demand", "warm")}
}

// recheck is how often the fixed keep-alive looks again at replicas kept
// only because a request outlived its keep-alive. The engine does not tell
// a controller when a request ends, so such a replica goes at most this
// long after its request.
const recheck = time.Second

func (f *fixedCtl) Wake(now time.Time, s sim.State) sim.Decision {
	// Never below what in-flight work occupies: a replica is not reclaimed
	// while it still runs a request.
	busy := (s.Inflight + s.Queued + f.c - 1) / f.c
	kept := f.d.max(now)
	want := max(kept, busy)
	wake := f.d.next()
	if busy > kept {
		// Requests older than the keep-alive hold replicas the window no
		// longer does: each goes when its request ends, not a whole
		// keep-alive later (the keep-alive runs from the request that
		// needed the replica, and that one's has lapsed).
		if r := now.Add(recheck); wake.IsZero() || r.Before(wake) {
			wake = r
		}
	}
	return sim.Decision{Replicas: want, Wake: wake, Reason: reasonIf(want < s.Desired, "keep_alive_expired", "warm")}
}

func reasonIf(c bool, yes, no string) string {
	if c {
		return yes
	}
	return no
}

// shortDur prints 10m0s as 10m and 1h0m0s as 1h.
func shortDur(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

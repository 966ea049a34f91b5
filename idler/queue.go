package idler

import (
	"fmt"
	"time"
)

// queuedVerdict keeps a function with asynchronous work waiting: its
// messages have not started, so no invocation counter shows them, and a
// function at zero would leave them waiting until something woke it again.
// Whatever its rps, it is not idle while its backlog is above zero.
func queuedVerdict(obs Observation, keepAlive time.Duration, now time.Time) (Verdict, bool) {
	if !obs.HasQueued || !(obs.Queued > 0) {
		return Verdict{}, false
	}
	return Verdict{Code: CodeQueued, WouldIdleAt: now.Add(keepAlive),
		Reason: fmt.Sprintf("%g message(s) queued for it: never idled with work waiting", obs.Queued)}, true
}

// queuedOf is the backlog for the explain API; nil when unknown.
func queuedOf(o Observation) *float64 {
	if !o.HasQueued {
		return nil
	}
	v := o.Queued
	return &v
}

package testenv

import (
	"testing"
	"time"
)

// Poll intervals: the first checks come quickly, so a condition that holds
// at once costs almost nothing, then back off so that a long wait on a
// shared two-core machine does not spin.
const (
	firstPoll = 10 * time.Millisecond
	maxPoll   = 200 * time.Millisecond
)

// WaitFor calls cond until it returns true, failing t when timeout passes
// first with what and, when given, detail's answer at that moment (server
// logs, the last state seen); a nil detail is skipped. Timeouts should be generous bounds on an
// event, not estimates of it: a slow pass is not a failure, a wrong one is.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool, detail ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	poll := firstPoll
	for !cond() {
		if time.Now().After(deadline) {
			msg := "timed out after " + timeout.String() + " waiting for " + what
			for _, d := range detail {
				// Callers pass nil for "no detail"; calling it would
				// panic and bury this message in a goroutine dump.
				if d != nil {
					msg += "\n" + d()
				}
			}
			t.Fatal(msg)
		}
		time.Sleep(poll)
		poll = min(2*poll, maxPoll)
	}
}

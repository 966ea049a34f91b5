package scaler

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
)

// TestNotifyRefusalsSayWhy: a follower's and a stopped loop's refusals are
// ErrUnavailable (the webhook's 503, AlertManager retries elsewhere or
// later) but worded as what they are: they said "scaler cannot reach the
// provider: this replica is not the leader", sending whoever reads
// AlertManager's log after an outage there was none of, as the words before
// the first listing did (28149a4).
//
// Seen failing before the fix: both errors began "scaler cannot reach the
// provider".
func TestNotifyRefusalsSayWhy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leading := false
		e := newLoopEnv(t, func(c *LoopConfig) { c.Leading = func() bool { return leading } }, function(refA, 1, nil))
		check := func(what, words string, err error) {
			t.Helper()
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("%s: %v, want ErrUnavailable", what, err)
			}
			if err != nil && (strings.Contains(err.Error(), "cannot reach the provider") || !strings.Contains(err.Error(), words)) {
				t.Errorf("%s: %q, want words of its own (%q), not the provider's", what, err, words)
			}
		}
		check("Notify on a follower", "not the leader", e.loop.Notify(t.Context(), Signal{Ref: refA, Status: Firing}))
		leading = true
		ended := make(chan struct{})
		close(ended)
		e.loop.mu.Lock()
		e.loop.termDone = ended // a term whose context has ended
		e.loop.mu.Unlock()
		check("Notify after Run returned", "loop has stopped", e.loop.Notify(t.Context(), Signal{Ref: refA, Status: Firing}))
	})
}

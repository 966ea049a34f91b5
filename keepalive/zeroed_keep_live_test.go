package keepalive

import (
	"testing"
	"time"
)

// TestRefreshKeepingLiveKeepsTheIdlersCounts: the refresh a term runs
// after the start's rebuild (RefreshZeroedKeepingLive) reads the falls
// another replica caused, but a count this replica's idler told meanwhile
// (Zeroed) is newer than any of them and stays; a term's own refresh at its
// start (RefreshZeroed) replaces every count, and makes them all history's.
func TestRefreshKeepingLiveKeepsTheIdlersCounts(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	h := twoNamesFalls{older: now.Add(-5 * time.Hour), newer: now.Add(-time.Hour)}
	fn, other := fnRef("fn"), fnRef("other")

	p := mustPolicy(t)
	p.Zeroed(fn, 3)                   // told by this term's idler
	p.setZeroed(other, 6, zeroedKeep) // from the rebuild's read, current to two hours ago
	p.mu.Lock()
	p.zeroedFrom, p.zeroedTo = now.Add(-24*time.Hour), now.Add(-2*time.Hour)
	p.mu.Unlock()
	if _, err := p.RefreshZeroedKeepingLive(t.Context(), h, now, 24*time.Hour, time.Minute, "openfaas-fn", nil); err != nil {
		t.Fatal(err)
	}
	if got := p.preWarmReplicas(fn); got != 3 {
		t.Errorf("after the refresh keeping live counts: %d, want the idler's 3", got)
	}
	if got := p.preWarmReplicas(other); got != 6 {
		t.Errorf("a count the read has no fall for: %d, want 6 kept (the read reached back to where the counts were current)", got)
	}

	if _, err := p.RefreshZeroed(t.Context(), h, now.Add(time.Minute), 24*time.Hour, time.Minute, "openfaas-fn", nil); err != nil {
		t.Fatal(err)
	}
	q := mustPolicy(t)
	q.Zeroed(fn, 3)
	if _, err := q.RefreshZeroed(t.Context(), h, now, 24*time.Hour, time.Minute, "openfaas-fn", nil); err != nil {
		t.Fatal(err)
	}
	if got := q.preWarmReplicas(fn); got != 1 {
		t.Errorf("a term's refresh: %d, want history's newest fall, 1", got)
	}
	// After it the counts are history's: a later keeping-live read replaces them.
	q.mu.Lock()
	live := q.fns[fn].zeroedLive
	q.mu.Unlock()
	if live {
		t.Error("a count read by a term's refresh is still marked as told by the idler")
	}
}

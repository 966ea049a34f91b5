package idler

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// listingPolicy is a keep-alive policy that records what each Listed call
// said of the functions it knows (known).
type listingPolicy struct {
	known []provider.Ref
	calls []map[provider.Ref]bool
}

func (p *listingPolicy) KeepAlive(_ provider.Ref, fallback time.Duration, _ float64, _ time.Time) (time.Duration, string) {
	return fallback, "default"
}

func (p *listingPolicy) Listed(_ time.Time, listed func(provider.Ref) bool) int {
	said := map[provider.Ref]bool{}
	for _, r := range p.known {
		said[r] = listed(r)
	}
	p.calls = append(p.calls, said)
	return 0
}

// The keep-alive policy learns of every function the gateway counts and
// kept each for good (issue 12's review: a cluster deploying and deleting
// functions grew it without bound, and the deleted ones widened the
// pre-warm share). Each cycle now tells it which functions its complete
// listing holds.
//
// Seen failing: with the Listed call removed from prepare, no call is
// recorded.
func TestCycleTellsThePolicyWhatIsListed(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	pol := &listingPolicy{known: []provider.Ref{ref("a"), ref("b"), ref("gone")}}
	e := newEnv(t, Config{KeepAlive: pol},
		function("a", 1, old, optIn(LabelZeroDuration, "auto")), function("b", 1, old, nil))
	now := time.Now()
	e.d.RunOnce(t.Context(), now)
	if err := e.p.Remove(ref("b")); err != nil {
		t.Fatal(err)
	}
	e.d.RunOnce(t.Context(), now.Add(30*time.Second))
	e.p.FailLists(1, context.DeadlineExceeded) // a cycle that cannot list says nothing
	e.d.RunOnce(t.Context(), now.Add(time.Minute))
	// Nothing left the listing since: told again tellListingEvery after
	// the last time, not before.
	e.d.RunOnce(t.Context(), now.Add(30*time.Second+tellListingEvery-time.Second))
	e.d.RunOnce(t.Context(), now.Add(30*time.Second+tellListingEvery))
	want := []map[provider.Ref]bool{
		{ref("a"): true, ref("b"): true, ref("gone"): false},  // b listed though not opted in: it exists
		{ref("a"): true, ref("b"): false, ref("gone"): false}, // b deleted: at once
		{ref("a"): true, ref("b"): false, ref("gone"): false},
	}
	if len(pol.calls) != len(want) {
		t.Fatalf("%d Listed calls, want %d: %v", len(pol.calls), len(want), pol.calls)
	}
	for i := range want {
		for r, w := range want[i] {
			if pol.calls[i][r] != w {
				t.Errorf("cycle %d: listed(%s) = %v, want %v", i+1, r, pol.calls[i][r], w)
			}
		}
	}
}

package memory

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestShorterColdStartKeepsStartingReplicaUnavailable:
// SetColdStart is documented to apply to "replicas it is scaled to ... from
// now on". When it is shortened while a replica is still starting, the
// replicas requested afterwards become ready before the older one, so the
// provider's readyAt list is no longer ascending, and available()
// (sort.Search over it) and resize (which drops the tail as "the newest
// pending first") both assume it is.
//
// Scenario: scale 0→1 with a 10s cold start, then shorten it to 1s and
// scale 1→2. At +2s one replica is ready (the second) and one is still
// starting (until +10s): want 2 desired / 1 available. Then scale 2→1: the
// pending replica should go, leaving the ready one: want 1 / 1.
// Found by a review helper.
func TestShorterColdStartKeepsStartingReplicaUnavailable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "f", Namespace: "ns"}
		p := New(clock.Real(), Options{})
		mustDeploy(t, p, provider.Function{Ref: ref, Replicas: 0})
		p.SetColdStart(ref, 10*time.Second)
		if err := p.Scale(t.Context(), ref, 1); err != nil {
			t.Fatal(err)
		}
		p.SetColdStart(ref, time.Second)
		if err := p.Scale(t.Context(), ref, 2); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if got := replicas(t, p, ref); got != [2]uint64{2, 1} {
			t.Errorf("at +2s: [desired available] = %v, want [2 1]: the replica asked for with a 10s cold start is still starting", got)
		}
		if err := p.Scale(t.Context(), ref, 1); err != nil {
			t.Fatal(err)
		}
		if got := replicas(t, p, ref); got != [2]uint64{1, 1} {
			t.Errorf("after 2→1 at +2s: [desired available] = %v, want [1 1]: scale-down should drop the pending replica, not the ready one", got)
		}
	})
}

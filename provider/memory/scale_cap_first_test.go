package memory

import (
	"context"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestCappedProviderTakesALargeCountAsItsCap: with
// Options.MaxReplicas, "a larger request succeeds and sets MaxReplicas, as
// faas-netes CE caps at 5 without an error" (memory.go). MaxHeld's refusal
// is checked before the cap, so a CE imitation asked for 2^21 replicas (a
// step-mode max; below the int32 the real providers accept) refuses it,
// where faas-netes CE takes it and sets 5: the provider would hold 5, far
// below MaxHeld, so the bound has nothing to guard.
//
// Seen failing before the fix: "Scale(1048577) on a provider capped at 5:
// … holds at most 1048576 replicas a function; want it to succeed".
func TestCappedProviderTakesALargeCountAsItsCap(t *testing.T) {
	p := New(clock.Real(), Options{MaxReplicas: 5})
	mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
	if err := p.Scale(context.Background(), figlet, MaxHeld+1); err != nil {
		t.Fatalf("Scale(%d) on a provider capped at 5: %v; want it to succeed and set 5, as faas-netes CE does", MaxHeld+1, err)
	}
	fn, err := p.Function(context.Background(), figlet)
	if err != nil {
		t.Fatal(err)
	}
	if fn.Replicas != 5 {
		t.Errorf("replicas %d after a request above the cap, want 5", fn.Replicas)
	}
}

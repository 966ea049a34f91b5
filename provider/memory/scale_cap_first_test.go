package memory

import (
	"context"
	"errors"
	"math"
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

// TestCappedProviderRefusesACountNoProviderTakes: a CE imitation
// (Options.MaxReplicas) took a count above int32 as its cap, where the
// real path never reaches CE's cap with it: the openfaas client refuses a
// count above math.MaxInt32 before sending ("OpenFaaS providers keep
// replica counts in an int32"), and so does the Kubernetes provider. The
// simulator's CE peer and the simulated gateway then answered a write the
// real stack refuses.
//
// Seen failing before the fix (session 47): "Scale(2147483648) on a
// provider capped at 5: <nil>; want a refusal, as the openfaas client's".
func TestCappedProviderRefusesACountNoProviderTakes(t *testing.T) {
	p := New(clock.Real(), Options{MaxReplicas: 5})
	mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
	err := p.Scale(context.Background(), figlet, math.MaxInt32+1)
	var refused *provider.RefusedError
	if !errors.As(err, &refused) {
		t.Errorf("Scale(%d) on a provider capped at 5: %v; want a refusal, as the openfaas client's", uint64(math.MaxInt32+1), err)
	}
	if got := replicas(t, p, figlet)[0]; got != 1 {
		t.Errorf("desired after a refused Scale(2^31) = %d, want 1", got)
	}
	if err := p.Scale(context.Background(), figlet, math.MaxInt32); err != nil {
		t.Errorf("Scale(MaxInt32) on a provider capped at 5: %v; want it taken as the cap", err)
	}
}

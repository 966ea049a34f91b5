package ours

import (
	"errors"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestReview50ConflictAvailableLeavesOutDraining: the adapter's available
// replicas leave out those a scale-down is draining (docs/sim.md, session
// 18; available()), as faas-netes' Deployment status does. A conditional
// write that finds the count changed reports the provider's available
// replicas in its ConflictError (what the actuator's outcome and the explain
// API show as "N of them available"): that must be the same availability,
// not the replay's Ready, which counts the draining replicas.
func TestReview50ConflictAvailableLeavesOutDraining(t *testing.T) {
	// Scaled from 3 busy replicas to 1: desired 1, ready 3 of which 2 draining.
	plat := &statePlatform{states: []sim.State{{Desired: 1, Ready: 3, Inflight: 3}}}
	ref := provider.Ref{Name: "fn000", Namespace: Namespace}
	p := newSimProvider(Namespace, plat, []provider.Function{{Ref: ref}})
	fn, err := p.Function(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	err = p.ScaleFrom(t.Context(), ref, 3, 5) // a writer that last saw 3
	var ce *provider.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("ScaleFrom from a stale count: %v, want a ConflictError", err)
	}
	if ce.Current != fn.Replicas || ce.Available != fn.AvailableReplicas {
		t.Errorf("conflict says %d replicas, %d available; a read says %d, %d available (the 2 draining replicas are not available)",
			ce.Current, ce.Available, fn.Replicas, fn.AvailableReplicas)
	}
}

package ours

import (
	"context"
	"slices"
	"testing"
)

// namespacer is how the controller's parts see the provider.
type namespacer interface {
	Namespaces(context.Context) ([]string, error)
}

// namespacesOf calls Namespaces through the interface, as the parts do:
// inlined at a concrete call, the compiler kept the slice on the caller's
// stack and the test measured nothing.
//
//go:noinline
func namespacesOf(ctx context.Context, p namespacer) ([]string, error) { return p.Namespaces(ctx) }

// TestNamespacesListingAllocatesNothing: every pass of the scaler, the
// idler and the pre-warmer lists the namespaces first; the simulated
// provider has one, fixed, and answering with it must cost no allocation
// (a fresh one-entry slice per listing was 29,000 a replayed day).
func TestNamespacesListingAllocatesNothing(t *testing.T) {
	p := newSimProvider(Namespace, nil, nil)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _, _ = namespacesOf(ctx, p) }); n != 0 {
		t.Errorf("Namespaces: %v allocations, want 0", n)
	}
	if nss, err := namespacesOf(ctx, p); err != nil || !slices.Equal(nss, []string{Namespace}) {
		t.Errorf("Namespaces = %v, %v; want [%s], nil", nss, err, Namespace)
	}
}

package idler

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// testProvider is the shared in-memory provider (provider/memory, with its
// hooks and fault injection) plus the shorthands the idler's tests use.
// Replicas are available at once unless opts set a cold start.
type testProvider struct {
	*memory.Provider
}

// scaleCall is the part of a memory.ScaleCall the tests look at.
type scaleCall struct {
	Ref      provider.Ref
	Replicas uint64 // asked for
	At       time.Time
}

func newTestProvider(t testing.TB, opts memory.Options, fns ...provider.Function) *testProvider {
	t.Helper()
	p := &testProvider{memory.New(clock.Real(), opts)}
	for _, fn := range fns {
		if err := p.Deploy(fn); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// replicas is ref's desired count (0 for an unknown function).
func (p *testProvider) replicas(ref provider.Ref) uint64 {
	fn, err := p.Function(context.Background(), ref)
	if err != nil {
		return 0
	}
	return fn.Replicas
}

// calls are the writes that reached the provider, failed ones included.
func (p *testProvider) calls() []scaleCall {
	var out []scaleCall
	for _, c := range p.Calls() {
		out = append(out, scaleCall{c.Ref, c.Requested, c.At})
	}
	return out
}

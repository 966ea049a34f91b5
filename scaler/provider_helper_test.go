package scaler

import (
	"context"
	"errors"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// testProvider is the shared in-memory provider (provider/memory, with its
// hooks and fault injection) plus the few shorthands the loop's tests use.
// Replicas are available at once unless a test sets a cold start.
type testProvider struct {
	*memory.Provider
	t testing.TB
}

// scaleCall is the part of a memory.ScaleCall the tests compare: which
// function, and the count the actuator asked for.
type scaleCall struct {
	Ref      provider.Ref
	Replicas uint64
}

func newTestProvider(t testing.TB, fns ...provider.Function) *testProvider {
	t.Helper()
	p := &testProvider{Provider: memory.New(clock.Real(), memory.Options{}), t: t}
	for _, fn := range fns {
		p.set(fn)
	}
	return p
}

// set deploys or replaces fn with its replicas available.
func (p *testProvider) set(fn provider.Function) {
	p.t.Helper()
	if err := p.Deploy(fn); err != nil {
		p.t.Fatal(err)
	}
}

func (p *testProvider) remove(ref provider.Ref) {
	p.t.Helper()
	if err := p.Remove(ref); err != nil {
		p.t.Fatal(err)
	}
}

// setDown makes every call — lists, reads and writes of every function
// deployed now — fail with err until setDown(nil), as a provider that cannot
// be reached.
func (p *testProvider) setDown(err error) {
	p.t.Helper()
	const always = 1 << 30
	n := always
	if err == nil {
		n = 0
	}
	p.FailLists(0, nil) // to list the functions below
	ns, lerr := p.Namespaces(context.Background())
	if lerr != nil {
		p.t.Fatal(lerr)
	}
	for _, namespace := range ns {
		fns, lerr := p.Functions(context.Background(), namespace)
		if lerr != nil {
			p.t.Fatal(lerr)
		}
		for _, fn := range fns {
			p.FailFunction(fn.Ref, n, err)
			p.FailScale(fn.Ref, n, err)
		}
	}
	p.FailLists(n, err)
}

// replicas is ref's desired count (0 for an unknown function).
func (p *testProvider) replicas(ref provider.Ref) uint64 {
	fn, err := p.Function(context.Background(), ref)
	if err != nil {
		return 0
	}
	return fn.Replicas
}

// takeCalls returns the writes that reached the provider so far, failed ones
// included, and forgets them.
func (p *testProvider) takeCalls() []scaleCall {
	var out []scaleCall
	for _, c := range p.Calls() {
		out = append(out, scaleCall{c.Ref, c.Requested})
	}
	p.ResetCalls()
	return out
}

var errDown = errors.New("connection refused")

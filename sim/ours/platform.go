package ours

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// vclock is the simulator's virtual time as a clock.Clock. The controller's
// parts are driven through their one-pass methods at the times their Run
// loops would call them, so tickers are never used.
type vclock struct{ now time.Time }

func (c *vclock) Now() time.Time { return c.now }

func (c *vclock) NewTicker(time.Duration) clock.Ticker { return idleTicker{} }

type idleTicker struct{}

func (idleTicker) C() <-chan time.Time { return nil }
func (idleTicker) Stop()               {}

// simProvider is the provider adapter: its functions are the simulator's,
// their desired and available replicas the replays', and Scale changes the
// replay's desired count at the current virtual time. It is the in-memory
// provider of this adapter: provider/memory models cold starts itself, and
// here the engine does.
type simProvider struct {
	ns    string
	plat  sim.Platform
	fns   []provider.Function // labels and refs; replicas filled per read
	index map[provider.Ref]int
	// listing is the slice Functions fills and returns, reused: valid until
	// the next Functions call. The controller's passes (scaler, idler,
	// pre-warmer) read a listing within the pass and copy what they keep;
	// a fresh slice per listing was a fifth of the replay's allocations.
	listing []provider.Function
	// nss is the one namespace as Namespaces returns it, made once: every
	// pass of every part lists the namespaces, and a fresh one-entry slice
	// each time was 29,000 allocations a replayed day. Its readers only
	// range over it (provider.List, the idler's distinct copies before
	// changing anything).
	nss []string
}

func newSimProvider(ns string, plat sim.Platform, fns []provider.Function) *simProvider {
	p := &simProvider{ns: ns, plat: plat, fns: fns, index: make(map[provider.Ref]int, len(fns)), nss: []string{ns}}
	for i, f := range fns {
		p.index[f.Ref] = i
	}
	return p
}

func (p *simProvider) Namespaces(context.Context) ([]string, error) { return p.nss[:1:1], nil }

func (p *simProvider) read(i int) provider.Function {
	f := p.fns[i]
	desired, ready := p.plat.Replicas(i)
	f.Replicas, f.AvailableReplicas = uint64(desired), available(desired, ready)
	return f
}

// available is what faas-netes reports as available replicas: the
// Deployment's available pods, which leave out pods being deleted. The
// replay's ready replicas include those a scale-down is draining; it never
// has replicas starting and draining at once, so ready − draining is
// min(ready, desired) (desired = ready + starting − draining).
func available(desired, ready int) uint64 { return uint64(min(ready, desired)) }

func (p *simProvider) Functions(_ context.Context, ns string) ([]provider.Function, error) {
	if ns != p.ns {
		return nil, nil
	}
	if len(p.listing) != len(p.fns) {
		p.listing = make([]provider.Function, len(p.fns))
		copy(p.listing, p.fns)
	}
	// Only the counts change between listings (the idler writes a count
	// into the listing it acts on, nothing else): each function's refs,
	// labels and times are copied once, not at every listing.
	out := p.listing
	reps := p.plat.AllReplicas()[:len(out)]
	for i := range out {
		c := reps[i]
		out[i].Replicas, out[i].AvailableReplicas = uint64(c.Desired), available(c.Desired, c.Ready)
	}
	return out, nil
}

func (p *simProvider) Function(_ context.Context, ref provider.Ref) (provider.Function, error) {
	i, ok := p.index[ref]
	if !ok {
		return provider.Function{}, provider.ErrNotFound
	}
	return p.read(i), nil
}

func (p *simProvider) Scale(_ context.Context, ref provider.Ref, replicas uint64) error {
	i, ok := p.index[ref]
	if !ok {
		return provider.ErrNotFound
	}
	p.plat.Scale(i, int(replicas))
	return nil
}

// ScaleFrom is the conditional write (as the memory and Kubernetes
// providers have): the replay's state cannot change during a call, so the
// compare and the write are one step.
func (p *simProvider) ScaleFrom(_ context.Context, ref provider.Ref, from, to uint64) error {
	i, ok := p.index[ref]
	if !ok {
		return provider.ErrNotFound
	}
	if s := p.plat.State(i); uint64(s.Desired) != from {
		return &provider.ConflictError{Ref: ref, Expected: from, Current: uint64(s.Desired), Available: available(s.Desired, s.Ready)}
	}
	p.plat.Scale(i, int(to))
	return nil
}

// ScaleFromCreated is ScaleFrom: a replayed function is never deployed
// again under its name, so the one listed is the one written (as the
// shipped providers' identity check would find), without the extra read
// provider.ScaleIf makes for a provider that cannot check it.
func (p *simProvider) ScaleFromCreated(ctx context.Context, ref provider.Ref, from, to uint64, _ time.Time) error {
	return p.ScaleFrom(ctx, ref, from, to)
}

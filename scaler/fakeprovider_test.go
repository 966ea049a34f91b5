package scaler

import (
	"context"
	"errors"
	"maps"
	"sync"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fakeProvider is a small in-memory provider for the loop tests: replicas
// become available at once, and tests can break it, refuse counts, or watch
// for overlapping Scale calls.
type fakeProvider struct {
	mu       sync.Mutex
	fns      map[provider.Ref]provider.Function
	down     error                                 // every call fails with it
	refuse   func(ref provider.Ref, n uint64) bool // counts it refuses
	calls    []scaleCall
	inflight map[provider.Ref]int
	overlap  bool          // two Scale calls for one function overlapped
	block    chan struct{} // when set, Scale waits on it
}

type scaleCall struct {
	Ref      provider.Ref
	Replicas uint64
}

func newFakeProvider(fns ...provider.Function) *fakeProvider {
	p := &fakeProvider{fns: make(map[provider.Ref]provider.Function), inflight: make(map[provider.Ref]int)}
	for _, fn := range fns {
		p.fns[fn.Ref] = fn
	}
	return p
}

func (p *fakeProvider) Namespaces(ctx context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down != nil {
		return nil, p.down
	}
	seen := map[string]bool{}
	var out []string
	for ref := range p.fns {
		if !seen[ref.Namespace] {
			seen[ref.Namespace] = true
			out = append(out, ref.Namespace)
		}
	}
	return out, nil
}

func (p *fakeProvider) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down != nil {
		return nil, p.down
	}
	var out []provider.Function
	for ref, fn := range p.fns {
		if ref.Namespace == ns {
			fn.Labels = maps.Clone(fn.Labels)
			out = append(out, fn)
		}
	}
	return out, nil
}

func (p *fakeProvider) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down != nil {
		return provider.Function{}, p.down
	}
	fn, ok := p.fns[ref]
	if !ok {
		return provider.Function{}, provider.ErrNotFound
	}
	fn.Labels = maps.Clone(fn.Labels)
	return fn, nil
}

func (p *fakeProvider) Scale(ctx context.Context, ref provider.Ref, n uint64) error {
	p.mu.Lock()
	p.calls = append(p.calls, scaleCall{ref, n})
	p.inflight[ref]++
	if p.inflight[ref] > 1 {
		p.overlap = true
	}
	block := p.block
	p.mu.Unlock()
	if block != nil {
		<-block
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight[ref]--
	if p.down != nil {
		return p.down
	}
	fn, ok := p.fns[ref]
	if !ok {
		return provider.ErrNotFound
	}
	if p.refuse != nil && p.refuse(ref, n) {
		return &provider.RefusedError{Ref: ref, Replicas: n, Status: 400, Message: "no"}
	}
	fn.Replicas, fn.AvailableReplicas = n, n
	p.fns[ref] = fn
	return nil
}

func (p *fakeProvider) set(fn provider.Function) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fns[fn.Ref] = fn
}

func (p *fakeProvider) remove(ref provider.Ref) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.fns, ref)
}

func (p *fakeProvider) setDown(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = err
}

func (p *fakeProvider) replicas(ref provider.Ref) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fns[ref].Replicas
}

// takeCalls returns the Scale calls so far and forgets them.
func (p *fakeProvider) takeCalls() []scaleCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

var errDown = errors.New("connection refused")

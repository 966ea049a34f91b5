package idler

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fakeProvider is a tiny in-memory provider (provider/memory was not yet
// committed when these tests were written). It can refuse zero like CE.
type fakeProvider struct {
	mu         sync.Mutex
	fns        map[provider.Ref]provider.Function
	refuseZero bool
	failList   error
	scales     []scaleCall
	delay      time.Duration // each Scale call takes this long
	busy, peak int           // concurrent Scale calls now and at most
}

type scaleCall struct {
	Ref      provider.Ref
	Replicas uint64
	At       time.Time
}

func newFakeProvider(fns ...provider.Function) *fakeProvider {
	p := &fakeProvider{fns: map[provider.Ref]provider.Function{}}
	for _, fn := range fns {
		p.fns[fn.Ref] = fn
	}
	return p
}

func (p *fakeProvider) Namespaces(ctx context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failList != nil {
		return nil, p.failList
	}
	seen := map[string]bool{}
	var out []string
	for ref := range p.fns {
		if !seen[ref.Namespace] {
			seen[ref.Namespace] = true
			out = append(out, ref.Namespace)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (p *fakeProvider) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []provider.Function
	for ref, fn := range p.fns {
		if ref.Namespace == ns {
			out = append(out, fn)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (p *fakeProvider) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn, ok := p.fns[ref]
	if !ok {
		return provider.Function{}, provider.ErrNotFound
	}
	return fn, nil
}

func (p *fakeProvider) Scale(ctx context.Context, ref provider.Ref, n uint64) error {
	p.mu.Lock()
	p.busy++
	p.peak = max(p.peak, p.busy)
	delay := p.delay
	p.mu.Unlock()
	time.Sleep(delay)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy--
	fn, ok := p.fns[ref]
	if !ok {
		return provider.ErrNotFound
	}
	p.scales = append(p.scales, scaleCall{ref, n, time.Now()})
	if n == 0 && p.refuseZero {
		return &provider.RefusedError{Ref: ref, Replicas: 0, Status: 400, Message: "replicas must be > 0"}
	}
	fn.Replicas, fn.AvailableReplicas = n, n
	p.fns[ref] = fn
	return nil
}

func (p *fakeProvider) replicas(ref provider.Ref) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fns[ref].Replicas
}

func (p *fakeProvider) calls() []scaleCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]scaleCall(nil), p.scales...)
}

// fakeSource answers Activity from invocation times recorded with invoke, on
// whatever clock time.Now is (virtual inside a synctest bubble). It is
// covered once it has been "scraping" for the whole window.
type fakeSource struct {
	mu       sync.Mutex
	since    time.Time // observing the gateway since
	last     map[provider.Ref]time.Time
	inflight map[provider.Ref]float64
	down     bool
	// vanished: reported as Vanished; forgotten: not reported at all (a
	// source that lost its history).
	vanished, forgotten map[provider.Ref]bool
	windows             []time.Duration
	// onQuery runs after each query is answered (n counts from 1).
	onQuery func(n int)
}

func newFakeSource(since time.Time) *fakeSource {
	return &fakeSource{since: since, last: map[provider.Ref]time.Time{}, inflight: map[provider.Ref]float64{}}
}

func (s *fakeSource) invoke(ref provider.Ref) {
	s.mu.Lock()
	s.last[ref] = time.Now()
	s.mu.Unlock()
}

func (s *fakeSource) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	s.mu.Lock()
	s.windows = append(s.windows, window)
	n := len(s.windows)
	hook := s.onQuery
	if s.down {
		s.mu.Unlock()
		return metricsource.Activity{}, errors.Join(metricsource.ErrUnavailable, errors.New("connection refused"))
	}
	now := time.Now()
	act := metricsource.Activity{Window: window, Covered: now.Sub(s.since) >= window,
		Started: metricsource.Values{}, Inflight: metricsource.Values{}}
	for ref, at := range s.last {
		if s.vanished[ref] || s.forgotten[ref] {
			continue
		}
		if now.Sub(at) < window {
			act.Started[ref] = 1
		} else {
			act.Started[ref] = 0 // the counter exists: invoked before
		}
	}
	for ref, v := range s.inflight {
		act.Inflight[ref] = v
	}
	for ref := range s.vanished {
		if act.Vanished == nil {
			act.Vanished = map[provider.Ref]bool{}
		}
		act.Vanished[ref] = true
	}
	s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return act, nil
}

func (s *fakeSource) queries() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.windows...)
}

package scaler

import (
	"context"
	"sync"
)

// testGate holds the calls of a wrapped external system while a channel is
// set, until it is closed: a slow or hanging provider or metrics source
// during one part of a test (a term's first listing, its first pass).
type testGate struct {
	mu   sync.Mutex
	gate chan struct{}
}

// setGate holds the calls from now on until g is closed; nil holds none.
func (g *testGate) setGate(ch chan struct{}) {
	g.mu.Lock()
	g.gate = ch
	g.mu.Unlock()
}

// wait blocks while a gate is set and open, or until ctx ends.
func (g *testGate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.gate
	g.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

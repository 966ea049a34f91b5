package flight

import (
	"context"
	"sync"
)

// Group shares calls of one function among concurrent callers. The zero
// value is ready to use.
type Group[T any] struct {
	mu  sync.Mutex
	cur *call[T] // the call under way, nil when none
}

type call[T any] struct {
	done      chan struct{} // closed when v, err and cancelled are set
	v         T
	err       error
	cancelled bool // the caller's context ended: no answer for the others
}

// Do returns fn's answer. When a call is under way it waits for that
// call's answer instead, or returns ctx's error once ctx ends first; a
// call whose caller's context ended by the time it returned answers only
// that caller, and the callers waiting for it call fn again. fn runs with
// its caller's ctx.
func (g *Group[T]) Do(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	for {
		g.mu.Lock()
		c := g.cur
		if c == nil {
			c = &call[T]{done: make(chan struct{})}
			g.cur = c
			g.mu.Unlock()
			c.v, c.err = fn(ctx)
			c.cancelled = ctx.Err() != nil
			g.mu.Lock()
			g.cur = nil
			g.mu.Unlock()
			close(c.done)
			return c.v, c.err
		}
		g.mu.Unlock()
		select {
		case <-c.done:
			if !c.cancelled {
				return c.v, c.err
			}
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

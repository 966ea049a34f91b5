package memory

import (
	"context"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Hooks let tests shape how Scale and ScaleFrom behave in time, so that the
// memory provider can stand in for every hand-written fake: a call held
// inside the provider until the test releases it (Block), a call that takes
// a while on the provider's clock (SetDelay), a readiness lag per function
// (SetColdStart), and counters of concurrent calls (Peak, PeakFor) that show
// whether a caller serialises its writes.
//
// Hooks keep their own lock, never held while a call waits, and a call never
// holds the provider's lock while it is blocked or delayed, so reads and
// other functions' writes go on meanwhile.

// hooks is the provider's hook state. Lock order: Provider.mu before
// hooks.mu; nothing holding hooks.mu takes Provider.mu.
type hooks struct {
	mu        sync.Mutex
	fns       map[provider.Ref]*refHooks // one lookup per call
	cur, peak int
	changed   chan struct{} // closed and replaced when a held count changes
}

// refHooks is one function's hooks and counters. Entries are kept (one per
// function ever called), so a call does one map lookup and no allocation.
type refHooks struct {
	gate      chan struct{} // closed by the release func; nil: not blocked
	held      int           // calls waiting at a gate
	delay     time.Duration
	coldStart time.Duration
	hasCold   bool
	cur, peak int
}

// lockedFor returns ref's entry, made when missing; h.mu is held.
func (h *hooks) lockedFor(ref provider.Ref) *refHooks {
	if h.fns == nil {
		h.fns = map[provider.Ref]*refHooks{}
		h.changed = make(chan struct{})
	}
	r := h.fns[ref]
	if r == nil {
		r = &refHooks{}
		h.fns[ref] = r
	}
	return r
}

// lockedNotify wakes WaitHeld callers; h.mu is held.
func (h *hooks) lockedNotify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Block holds every Scale and ScaleFrom call for ref that starts from now
// on inside the provider until release is called (calls already past the
// gate are not affected). A held call whose context ends returns the
// context's error and changes and records nothing. release is idempotent.
func (p *Provider) Block(ref provider.Ref) (release func()) {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.lockedFor(ref)
	gate := make(chan struct{})
	r.gate = gate
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if r.gate == gate {
				r.gate = nil
			}
			close(gate)
		})
	}
}

// Held is how many Scale or ScaleFrom calls for ref are waiting at a Block.
func (p *Provider) Held(ref provider.Ref) int {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lockedFor(ref).held
}

// WaitHeld waits until at least n calls for ref are held at a Block, or ctx
// ends (its error is returned).
func (p *Provider) WaitHeld(ctx context.Context, ref provider.Ref, n int) error {
	h := &p.hooks
	for {
		h.mu.Lock()
		got, changed := h.lockedFor(ref).held, h.changed
		h.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// SetDelay makes every Scale and ScaleFrom call for ref take d on the
// provider's clock (virtual time in a synctest bubble) before it acts; a
// context ending first cancels the call, changing nothing. d ≤ 0 clears it.
func (p *Provider) SetDelay(ref provider.Ref, d time.Duration) {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lockedFor(ref).delay = max(d, 0)
}

// SetColdStart overrides Options.ColdStart for ref: replicas it is scaled
// to (or deployed with by DeployCold) from now on become available after d.
// A negative d removes the override.
func (p *Provider) SetColdStart(ref provider.Ref, d time.Duration) {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.lockedFor(ref)
	r.coldStart, r.hasCold = d, d >= 0
}

// coldStartFor is ref's readiness lag.
func (p *Provider) coldStartFor(ref provider.Ref) time.Duration {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.fns[ref]; r != nil && r.hasCold {
		return r.coldStart
	}
	return p.opts.ColdStart
}

// Peak is the most Scale and ScaleFrom calls that were in progress at once,
// over all functions (a call counts from entry, block and delay included, to
// return).
func (p *Provider) Peak() int {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.peak
}

// PeakFor is the most Scale and ScaleFrom calls for ref in progress at once.
// A caller that serialises its writes per function never makes it exceed 1.
func (p *Provider) PeakFor(ref provider.Ref) int {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lockedFor(ref).peak
}

// InFlight is how many Scale and ScaleFrom calls are in progress now.
func (p *Provider) InFlight() int {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur
}

// ResetPeaks sets the peaks to the calls in progress now.
func (p *Provider) ResetPeaks() {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	h.peak = h.cur
	for _, r := range h.fns {
		r.peak = r.cur
	}
}

// enter runs the hooks at the start of a Scale or ScaleFrom call, before the
// provider's lock is taken: it counts the call, holds it at ref's Block and
// waits out ref's delay. Unless it returns an error (the context's: the
// call must then do nothing), the caller must call leave when the call
// returns.
func (p *Provider) enter(ctx context.Context, ref provider.Ref) error {
	h := &p.hooks
	h.mu.Lock()
	r := h.lockedFor(ref)
	h.cur++
	r.cur++
	h.peak = max(h.peak, h.cur)
	r.peak = max(r.peak, r.cur)
	gate, delay := r.gate, r.delay
	if gate != nil {
		r.held++
		h.lockedNotify()
	}
	h.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
		}
		h.mu.Lock()
		r.held--
		h.lockedNotify()
		h.mu.Unlock()
	}
	if delay > 0 && ctx.Err() == nil {
		t := p.clk.NewTicker(delay)
		select {
		case <-t.C():
		case <-ctx.Done():
		}
		t.Stop()
	}
	if err := ctx.Err(); err != nil {
		p.leave(ref)
		return err
	}
	return nil
}

// leave ends a call that enter let in. It is a method, not a closure, so
// that a Scale costs no allocation for the hooks.
func (p *Provider) leave(ref provider.Ref) {
	h := &p.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cur--
	h.fns[ref].cur--
}

package memory

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ScaleCall records one Scale call that reached the provider (a call with a
// context already done is not recorded).
type ScaleCall struct {
	Ref provider.Ref
	// From and To are the desired replicas before and after the call; To
	// equals From when the call failed, and MaxReplicas when it capped the
	// request.
	From, To uint64
	// Requested is the count the caller asked for.
	Requested uint64
	// At is the provider clock's time of the call.
	At time.Time
	// Err is what Scale returned.
	Err error
}

// Changed reports whether the call changed the desired count. A call with
// the current count is a successful no-op and is still recorded, so tests see
// duplicates that a caller should have skipped.
func (c ScaleCall) Changed() bool { return c.Err == nil && c.From != c.To }

// Scale sets the desired replicas. New replicas become available after
// Options.ColdStart; removed replicas go at once, the newest pending first.
// It fails with provider.ErrNotFound for an unknown function, a
// *provider.RefusedError for 0 when Options.RefuseZero is set, or an error
// injected with FailScale. Every call is recorded (see Calls).
func (p *Provider) Scale(ctx context.Context, ref provider.Ref, replicas uint64) error {
	return p.recorded(ctx, ref, replicas, func(now time.Time, call *ScaleCall) error {
		return p.scale(ref, replicas, now, call)
	})
}

// recorded runs one write the way every write runs: the context checked,
// the test hooks entered, under the lock, and the call recorded.
func (p *Provider) recorded(ctx context.Context, ref provider.Ref, requested uint64, write func(now time.Time, call *ScaleCall) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.enter(ctx, ref); err != nil {
		return err
	}
	defer p.leave(ref)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clk.Now()
	call := ScaleCall{Ref: ref, Requested: requested, At: now}
	call.Err = write(now, &call)
	p.calls = append(p.calls, call)
	return call.Err
}

func (p *Provider) scale(ref provider.Ref, replicas uint64, now time.Time, call *ScaleCall) error {
	f, ok := p.fns[ref]
	if ok {
		call.From = uint64(len(f.readyAt))
		call.To = call.From
	}
	if err := p.takeFault(faultKey{op: opScale, ref: ref}); err != nil {
		return err
	}
	if !ok {
		return notFound(ref)
	}
	if replicas == 0 && p.opts.RefuseZero {
		return &provider.RefusedError{Ref: ref, Replicas: 0, Status: 400, Message: ZeroRefusedMessage}
	}
	if replicas > math.MaxInt32 {
		// Before the cap: both real providers refuse such a count before
		// sending it, so no OpenFaaS CE ever caps one.
		return &provider.RefusedError{Ref: ref, Replicas: replicas,
			Message: fmt.Sprintf("providers keep replica counts in an int32 (max %d)", math.MaxInt32)}
	}
	if p.opts.MaxReplicas > 0 {
		replicas = min(replicas, p.opts.MaxReplicas)
	}
	if replicas > MaxHeld {
		// After the cap (CE's takes any int32 count and holds 5). This
		// one keeps a ready time per replica, and 2^31 of them ran the process
		// out of memory (a step-mode max, one POST to the simulated
		// gateway) instead of answering.
		return &provider.RefusedError{Ref: ref, Replicas: replicas,
			Message: fmt.Sprintf("the memory provider holds at most %d replicas a function", MaxHeld)}
	}
	f.resize(replicas, now.Add(p.coldStartFor(ref)))
	call.To = replicas
	return nil
}

// Calls returns a copy of every recorded Scale call, oldest first.
func (p *Provider) Calls() []ScaleCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ScaleCall(nil), p.calls...)
}

// ResetCalls forgets the recorded calls (a long simulation can drain them
// periodically to bound memory).
func (p *Provider) ResetCalls() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = nil
}

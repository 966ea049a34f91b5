package memory

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var _ provider.ConditionalScaler = (*Provider)(nil)

// ScaleFrom is Scale made conditional under the provider's lock: it fails
// with a *provider.ConflictError, changing nothing, when the desired count is
// not from. The call is recorded like Scale's (Err set on a conflict).
func (p *Provider) ScaleFrom(ctx context.Context, ref provider.Ref, from, to uint64) error {
	return p.ScaleFromCreated(ctx, ref, from, to, time.Time{})
}

var _ provider.CreatedScaler = (*Provider)(nil)

// ScaleFromCreated is ScaleFrom held also to the function deployed at
// created (zero: any): under the same lock, a function under ref deployed
// at another time is another function, and the call fails with a
// *provider.ReplacedError, changing nothing (recorded as a conflict is).
func (p *Provider) ScaleFromCreated(ctx context.Context, ref provider.Ref, from, to uint64, created time.Time) error {
	return p.recorded(ctx, ref, to, func(now time.Time, call *ScaleCall) error {
		if f, ok := p.fns[ref]; ok {
			cur := uint64(len(f.readyAt))
			// An injected failure (FailScale: the provider down) answers
			// before any comparison, as a real provider's transport error
			// does: compared first, a down provider answered a conflict
			// with counts it could not have read, and the failure hit the
			// caller's next, right write (a review's finding).
			if err := p.takeFault(faultKey{op: opScale, ref: ref}); err != nil {
				call.From, call.To = cur, cur
				return err
			}
			err := provider.CheckCreated(ref, created, f.meta.CreatedAt)
			if err == nil && cur != from {
				err = &provider.ConflictError{Ref: ref, Expected: from, Current: cur, Available: f.available(now)}
			}
			if err != nil {
				call.From, call.To = cur, cur
				return err
			}
		}
		return p.scale(ref, to, now, call)
	})
}

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
	return p.recorded(ctx, ref, to, func(now time.Time, call *ScaleCall) error {
		if f, ok := p.fns[ref]; ok && uint64(len(f.readyAt)) != from {
			cur := uint64(len(f.readyAt))
			call.From, call.To = cur, cur
			return &provider.ConflictError{Ref: ref, Expected: from, Current: cur, Available: f.available(now)}
		}
		return p.scale(ref, to, now, call)
	})
}

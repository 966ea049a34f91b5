package memory

import (
	"context"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var _ provider.ConditionalScaler = (*Provider)(nil)

// ScaleFrom is Scale made conditional under the provider's lock: it fails
// with a *provider.ConflictError, changing nothing, when the desired count is
// not from. The call is recorded like Scale's (Err set on a conflict).
func (p *Provider) ScaleFrom(ctx context.Context, ref provider.Ref, from, to uint64) error {
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
	call := ScaleCall{Ref: ref, Requested: to, At: now}
	if f, ok := p.fns[ref]; ok && uint64(len(f.readyAt)) != from {
		cur := uint64(len(f.readyAt))
		call.From, call.To = cur, cur
		call.Err = &provider.ConflictError{Ref: ref, Expected: from, Current: cur, Available: f.available(now)}
	} else {
		call.Err = p.scale(ref, to, now, &call)
	}
	p.calls = append(p.calls, call)
	return call.Err
}

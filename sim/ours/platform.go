package ours

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// vclock is the simulator's virtual time as a clock.Clock. Loops are driven
// through their one-pass methods, so tickers are never used.
type vclock struct{ now time.Time }

func (c *vclock) Now() time.Time { return c.now }

func (c *vclock) NewTicker(time.Duration) clock.Ticker { return idleTicker{} }

type idleTicker struct{}

func (idleTicker) C() <-chan time.Time { return nil }
func (idleTicker) Stop()               {}

// simProvider is a provider holding one function whose replicas are the
// simulator's. The loops read desired and available replicas from it and
// Scale records the new desired count, which the controller hands back to
// the engine as its Decision. It is the in-memory provider of this adapter:
// provider/memory models cold starts itself, and here the engine does.
type simProvider struct {
	fn provider.Function
}

func (p *simProvider) Namespaces(context.Context) ([]string, error) {
	return []string{p.fn.Namespace}, nil
}

func (p *simProvider) Functions(_ context.Context, ns string) ([]provider.Function, error) {
	if ns != p.fn.Namespace {
		return nil, nil
	}
	return []provider.Function{p.fn}, nil
}

func (p *simProvider) Function(_ context.Context, ref provider.Ref) (provider.Function, error) {
	if ref != p.fn.Ref {
		return provider.Function{}, provider.ErrNotFound
	}
	return p.fn, nil
}

func (p *simProvider) Scale(_ context.Context, ref provider.Ref, replicas uint64) error {
	if ref != p.fn.Ref {
		return provider.ErrNotFound
	}
	p.fn.Replicas = replicas
	return nil
}

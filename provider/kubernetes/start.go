package kubernetes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
)

// Start runs the informers until ctx is done and waits until every cache has
// synced. It returns an error (with the last list/watch failure, such as
// RBAC refusing the list) when ctx ends first. ctx is the caches' lifetime,
// not a sync timeout: a ctx with a deadline stops the informers at that
// deadline, after which reads serve an ever older cache.
func (p *Provider) Start(ctx context.Context) error {
	waitingFor := fmt.Sprintf("deployments (selector %q) in namespaces %s", p.cfg.Selector, strings.Join(p.namespaces, ", "))
	attrs := []any{"waiting_for", waitingFor}
	if p.cfg.Server != "" {
		attrs = append(attrs, "server", p.cfg.Server)
	}
	// Start blocks until the API server answers; an operator watching the
	// log must see what it waits for, and why it still waits (issue 15,
	// item 7: 35 s of silence with an unreachable server).
	p.log.Info("waiting for the Kubernetes API server to list function deployments", attrs...)
	stop := p.reportProgress(ctx, waitingFor, attrs)
	defer stop()
	for _, c := range p.caches {
		go c.informer.RunWithContext(ctx)
		go c.hpas.RunWithContext(ctx)
	}
	for _, ns := range p.namespaces {
		if !cache.WaitForCacheSync(ctx.Done(), p.caches[ns].informer.HasSynced) {
			err := context.Cause(ctx)
			p.mu.Lock()
			last := p.lastErr[cacheKey{ns, resourceDeployments}]
			p.mu.Unlock()
			if last != nil {
				return fmt.Errorf("deployments in %s did not sync: %w (last list/watch error: %v)", ns, err, last)
			}
			return fmt.Errorf("deployments in %s did not sync: %w", ns, err)
		}
	}
	// A function listed before its namespace's HPAs are known could be
	// scaled against an HPA; HPAs that cannot be listed at all are warned
	// about (hpaWatchError) and not waited for.
	for _, ns := range p.namespaces {
		if !cache.WaitForCacheSync(ctx.Done(), func() bool { return p.hpaSettled(ns) }) {
			err := context.Cause(ctx)
			p.mu.Lock()
			last := p.lastErr[cacheKey{ns, resourceHPAs}]
			p.mu.Unlock()
			if last != nil {
				return fmt.Errorf("horizontalpodautoscalers in %s did not sync: %w (last list/watch error: %v)", ns, err, last)
			}
			return fmt.Errorf("horizontalpodautoscalers in %s did not sync: %w", ns, err)
		}
	}
	p.synced.Store(true)
	p.log.Info("kubernetes provider synced", "namespaces", p.namespaces, "selector", p.cfg.Selector)
	return nil
}

// reportProgress logs, every ProgressEvery until stop is called, what Start
// still waits for and the last list/watch error: INFO while the server is
// merely not answering, ERROR when it refuses us (401/403), which waiting
// will not cure.
func (p *Provider) reportProgress(ctx context.Context, waitingFor string, attrs []any) (stop func()) {
	every := p.cfg.ProgressEvery
	if every == 0 {
		every = 5 * time.Second
	}
	clk := p.cfg.Clock
	if clk == nil {
		clk = clock.Real()
	}
	start := clk.Now()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := clk.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C():
			}
			var pending []string
			var last error // the first pending namespace's that has one
			for _, ns := range p.namespaces {
				if !p.caches[ns].informer.HasSynced() || !p.hpaSettled(ns) {
					pending = append(pending, ns)
					p.mu.Lock()
					if last == nil {
						last = p.lastErr[cacheKey{ns, resourceDeployments}]
					}
					p.mu.Unlock()
				}
			}
			a := append(slices.Clone(attrs), "elapsed", clk.Now().Sub(start).Round(time.Second).String(), "pending_namespaces", pending)
			switch {
			case last == nil:
				p.log.Info("still waiting for the Kubernetes API server (no answer yet)", a...)
			case apierrors.IsUnauthorized(last) || apierrors.IsForbidden(last):
				p.log.Error("the Kubernetes API server refuses the controller's credentials; check the service account token, kubeconfig and RBAC",
					append(a, "err", last)...)
			default:
				p.log.Info("still waiting for the Kubernetes API server", append(a, "last_err", last)...)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// Synced reports whether Start has synced every cache, for a readiness probe.
func (p *Provider) Synced() bool { return p.synced.Load() }

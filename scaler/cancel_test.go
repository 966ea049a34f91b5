package scaler

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// countingLister counts the passes' listings (each pass lists the
// namespaces once).
type countingLister struct {
	Provider
	mu    sync.Mutex
	lists int
}

func (c *countingLister) Namespaces(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.Provider.Namespaces(ctx)
}

func (c *countingLister) passes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lists
}

// cancellingLoad cancels the loop's context during the second pass's first
// read (a lease lost, a shutdown, while Prometheus answers) and answers 12 s
// later, so that the next pass's tick is waiting when the pass ends.
type cancellingLoad struct {
	*scalertest.Source
	lister *countingLister
	cancel context.CancelFunc
	once   sync.Once
}

func (s *cancellingLoad) LoadParts(ctx context.Context, q metricsource.LoadQuery, refs []provider.Ref) (metricsource.Values, metricsource.Parts, error) {
	if s.lister.passes() == 2 {
		s.once.Do(func() {
			s.cancel()
			time.Sleep(12 * time.Second)
		})
	}
	return s.Source.LoadParts(ctx, q, refs)
}

// TestRunStopsAtOnceWhenCancelledDuringAPass: a loop cancelled during a
// pass that outlasts the interval returns after it. Its select had the
// context and the waiting tick both ready and picked at random, so it
// made another whole pass after the term ended about half the time.
func TestRunStopsAtOnceWhenCancelledDuringAPass(t *testing.T) {
	for range 20 { // at random, each round had about one chance in two
		synctest.Test(t, func(t *testing.T) {
			var lister *countingLister
			var src *cancellingLoad
			ctx, cancel := context.WithCancel(t.Context())
			e := newLoopEnv(t, func(c *LoopConfig) {
				lister = &countingLister{Provider: c.Provider}
				src = &cancellingLoad{Source: c.Source.(*scalertest.Source), lister: lister, cancel: cancel}
				c.Provider, c.Source = lister, src
			}, function(refA, 1, nil))
			e.src.Set("rps", refA, 40)
			_ = e.loop.Run(ctx)
			if n := lister.passes(); n != 2 {
				t.Fatalf("%d passes, want 2: the loop passed again after its context was cancelled", n)
			}
		})
	}
}

// Act: a leadership term, the parts that change replicas.

package controller

import (
	"context"
	"sync"
	"time"
)

// Act runs the parts that change replicas (on the leader only, when there
// is leader election): the actuator's workers, the reconcile loop, the
// idler and the pre-warmer, until ctx ends. Each part is named to /healthz,
// which fails once ctx has ended and a part has not returned for
// liveness.max_inactivity (liveness.go).
func (c *Controller) Act(ctx context.Context) {
	termStart := c.deps.Clock.Now()
	term := c.live.startTerm(termStart)
	defer term.returned()
	ended := make(chan time.Time, 1) // when ctx ended: the term's end
	defer context.AfterFunc(ctx, func() { at := c.deps.Clock.Now(); term.endedAt(at); ended <- at })()
	cfg := c.Config()
	c.mu.Lock()
	later := c.terms > 0
	c.terms++
	c.mu.Unlock()
	// The pool first, so no proposal is ever applied inline in a loop.
	stopped := c.Actuator.Start(ctx)
	workers := term.part("actuator workers")
	go func() { <-stopped; workers() }() // ends by the time Act returns
	defer func() { <-stopped }()
	var wg sync.WaitGroup
	run := func(name string, f func(context.Context) error) {
		done := term.part(name)
		wg.Go(func() { defer done(); _ = f(ctx) })
	}
	switch {
	case cfg.Scaler.Enabled:
		run("scaler loop", c.Loop.Run)
	case c.Idler == nil:
		// Not "only scale to zero runs": that is off too.
		c.log.Warn("scaler.enabled and idler.enabled are both false: this controller changes no replicas and explains no function")
	default:
		c.log.Info("horizontal scaling is off (scaler.enabled: false): only scale to zero runs")
	}
	if c.Idler != nil {
		c.Idler.NewTerm() // before the refresh: its explain API is this term's from now
	}
	var current time.Time
	var afterRebuild bool
	if c.KeepAlive != nil {
		done := term.part("keep-alive refresh")
		current, afterRebuild = c.refreshZeroed(ctx, cfg, later)
		done()
	}
	if c.Idler != nil {
		mark(&c.live.idlerStarted, c.deps.Clock.Now())
		run("idler", c.Idler.Run)
		run("pre-warmer", c.PreWarm.Run)
	}
	if !current.IsZero() || afterRebuild {
		// After the refresh, or, for a term that starts beside the start's
		// rebuild (the leader at start: often the process's only term),
		// once the rebuild has read the replica history of the span it
		// reads (at 100,000 functions minutes).
		run("keep-alive fill", func(ctx context.Context) error {
			select {
			case <-c.rebuilt:
				c.fillZeroed(ctx, cfg)
				if afterRebuild {
					current = c.refreshAfterRebuild(ctx, cfg, termStart)
				} else {
					current = c.recheckZeroed(ctx, cfg, termStart, current)
				}
			case <-ctx.Done():
			}
			return nil
		})
	}
	wg.Wait()
	if !current.IsZero() {
		// The idler kept the counts current while this replica led, to
		// the term's end (not to now: another replica may lead already):
		// the next term reads the history after it only.
		<-ctx.Done()
		c.KeepAlive.ZeroedCurrent(current, <-ended)
	}
}

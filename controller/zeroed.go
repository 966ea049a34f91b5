// The counts functions were last idled from, which a pre-warm starts: read
// again from the replica history as a term starts, after the start's
// rebuild, two steps in, and back over the older history.

package controller

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
)

// refreshZeroed sets, as a term starts and before the pre-warmer runs, the
// counts functions were last idled from, which a pre-warm starts. The
// counts this replica holds are its start's history or its own earlier
// terms', and another replica may have led since: a standby that followed
// for two hours pre-warmed a timer to the 8 of its start's history where
// the other leader had idled it from 1 every ten minutes. With Prometheus
// history they are read again since they were last current
// (keepalive.RefreshZeroed; or, while the start's rebuild runs, left to
// it); without it, a later term drops them (a pre-warm then starts one
// replica until the idler idles the function again), and a first term
// keeps its start's, all it has. It returns the time the counts are
// current at when it read them (zero when it did not): the term's idler
// keeps them current from then to the term's end (Act); and whether it
// left them to the start's rebuild.
func (c *Controller) refreshZeroed(ctx context.Context, cfg config.Config, later bool) (current time.Time, leftToRebuild bool) {
	c.mu.Lock()
	rebuilding := c.rebuilding
	c.mu.Unlock()
	if c.deps.History == nil || cfg.KeepAlive.RebuildLookback <= 0 || rebuilding {
		// While the start's rebuild runs (a replica that leads at once),
		// it reads them as it ends, history newer than this term's start:
		// read here too, the replica history (Prometheus' costliest read
		// at 100,000 functions, minutes for a day) was read twice at once,
		// and this copy ran out of its 10 s every time while it slowed the
		// rebuild's parts. The rebuild's copy never replaces what this
		// term's idler records.
		if later {
			c.KeepAlive.ForgetZeroed()
		}
		return time.Time{}, rebuilding
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
	defer cancel()
	now := c.deps.Clock.Now()
	r, err := c.KeepAlive.RefreshZeroed(rctx, c.deps.History, now, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	c.logRefresh(now, r, err, "")
	return now, false
}

// logRefresh says what a read of the replica history for the counts
// functions were idled from did: at WARN when it dropped counts or read
// none (pre-warms of those functions start one replica), at INFO when it
// did not reach over the whole lookback. after names the read (empty: a
// term's own, at its start).
func (c *Controller) logRefresh(now time.Time, r keepalive.ZeroedRefresh, err error, after string) {
	attrs := []any{"complete_back", since(now, r.From), "current_to", r.Since, "read_again", r.Told}
	if after != "" {
		attrs = append(attrs, "read", after)
	}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	switch {
	case r.Dropped > 0 || (err != nil && !r.From.Before(now)): // counts dropped, or none read
		c.log.Warn("keep-alive: the counts functions were idled from were not all read again this term; a pre-warm of those not read starts one replica until the idler idles it again",
			append(attrs, "dropped", r.Dropped)...)
	case err != nil:
		// Read back past current_to: nothing dropped, the rest not filled.
		c.log.Info("keep-alive: read the counts functions were idled from again, not over the whole lookback", attrs...)
	default:
		c.log.Debug("keep-alive: read again the counts functions were idled from", attrs...)
	}
}

// refreshAfterRebuild reads the replica history after the start's rebuild
// for a term that began at termStart beside it, keeping what this term's
// idler told meanwhile, then the older history for the counts not held;
// it returns the time the counts are current to (zero when ctx ended
// first: the next term reads from the rebuild's end).
//
// The rebuild read the replica history up to the process's start, the term
// began later: what another replica idled in between is read once the
// history shows it (a fall is seen a whole step after it, on the steps'
// grid: two steps after the term began).
func (c *Controller) refreshAfterRebuild(ctx context.Context, cfg config.Config, termStart time.Time) time.Time {
	if !c.twoStepsIn(ctx, termStart) {
		// The term ended (in the fill, or waiting): the read would fail at
		// once and drop the rebuild's counts.
		return time.Time{}
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
	now := c.deps.Clock.Now()
	r, err := c.KeepAlive.RefreshZeroedKeepingLive(rctx, c.deps.History, now, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	cancel()
	c.logRefresh(now, r, err, "since the start's rebuild")
	if ctx.Err() != nil {
		return time.Time{}
	}
	// A rebuild that read no replica history left the first fill nothing
	// to fill: now that the counts are current, the older history.
	c.fillZeroed(ctx, cfg)
	return now
}

// recheckZeroed reads the replica history again two steps after a term
// that refreshed it at its start (current) began, once a fall the former
// leader made just before then shows in it (a whole step after it, on the
// steps' grid), keeping what this term's idler told meanwhile. It returns
// the time the counts are current to: when ctx ended before the recheck
// read, zero, so that the next term reads from the term's start, not from
// its end (a fall that showed since was read by no term); when the read
// failed, current, as without the recheck (read again from the start, a
// long term's history may not fit the next refresh's bound, which drops
// every count it cannot read back over).
func (c *Controller) recheckZeroed(ctx context.Context, cfg config.Config, termStart, current time.Time) time.Time {
	if !c.twoStepsIn(ctx, termStart) {
		return time.Time{}
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
	defer cancel()
	now := c.deps.Clock.Now()
	r, err := c.KeepAlive.RecheckZeroed(rctx, c.deps.History, now, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	switch {
	case err != nil && ctx.Err() != nil:
		return time.Time{} // the term ended in the read: as before it
	case err != nil:
		c.log.Info("keep-alive: could not read again the replica history of the term's first steps: a function the former leader idled in its last minute or two pre-warms to its older count",
			"read_again", r.Told, "err", err)
		return current
	}
	c.log.Debug("keep-alive: read again the replica history of the term's first steps", "read_again", r.Told, "current_to", now)
	return now
}

// twoStepsIn waits until two steps of the replica history after
// termStart, when a fall to zero made just before it shows in the history
// (a whole step after it, on the steps' grid); false when ctx ended first.
func (c *Controller) twoStepsIn(ctx context.Context, termStart time.Time) bool {
	if wait := termStart.Add(2 * RebuildStep).Sub(c.deps.Clock.Now()); wait > 0 {
		_ = clock.Sleep(ctx, c.deps.Clock, wait)
	}
	return ctx.Err() == nil
}

// since is how long before now from is (0 when from is zero: nothing).
func since(now, from time.Time) time.Duration {
	if from.IsZero() {
		return 0
	}
	return now.Sub(from).Round(time.Second)
}

// fillZeroed reads, beside the term's idler and pre-warmer and within
// keep_alive.rebuild_timeout, the replica history from before the span the
// counts are complete over (keepalive.FillZeroed): the counts a pre-warm
// starts of functions last idled before it.
func (c *Controller) fillZeroed(ctx context.Context, cfg config.Config) {
	rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
	defer cancel()
	now := c.deps.Clock.Now()
	n, from, err := c.KeepAlive.FillZeroed(rctx, c.deps.History, now, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	attrs := []any{"told", n, "complete_back", since(now, from)}
	if err != nil && ctx.Err() == nil {
		attrs = append(attrs, "err", err)
	}
	c.log.Debug("keep-alive: read the older replica history for counts not held", attrs...)
}

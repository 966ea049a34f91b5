// Learn (on every replica: the keep-alive's rebuild from history, then its
// feeder) and the state of that rebuild the rest of the controller reads.

package controller

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// rebuilds says whether Learn starts with a rebuild from history under
// cfg: a keep-alive feeder (the idler) and Prometheus history to read.
func (c *Controller) rebuilds(cfg config.Config) bool {
	return c.Feeder != nil && c.deps.History != nil && cfg.KeepAlive.RebuildLookback > 0
}

// historyPending says whether Learn's rebuild from history is still to
// end: the idler leaves "auto" functions alone until it has.
func (c *Controller) historyPending() bool {
	select {
	case <-c.rebuilt:
		return false
	default:
		return true
	}
}

// setRebuilding says whether Learn's rebuild from history runs; its end
// closes rebuilt.
func (c *Controller) setRebuilding(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rebuilding && !on {
		close(c.rebuilt)
	}
	c.rebuilding = on
}

// Learn runs on every replica, leader or not, so a follower that takes over
// is already taught: the keep-alive's rebuild from Prometheus history, then
// its feeder. It returns when ctx ends.
func (c *Controller) Learn(ctx context.Context) error {
	if c.Feeder == nil {
		<-ctx.Done()
		return nil
	}
	cfg := c.Config()
	var fill sync.WaitGroup
	defer fill.Wait()
	if c.rebuilds(cfg) {
		// keep_alive.rebuild_timeout: the parts read by then stay learned.
		rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
		upTo := c.deps.Clock.Now()
		// Within the bound: the most recent span that fits is read, not the
		// oldest part of the lookback (keepalive.RebuildWithin).
		rep, err := c.KeepAlive.RebuildWithin(rctx, c.deps.History, upTo, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
		cancel()
		if err != nil {
			// Parts read before the error stay learned; no idle time is
			// learned across the rest (Rebuild marks it unknown).
			c.log.Warn("keep-alive: no rebuild from history, or only of its first parts; learning from now on", "err", err,
				"after", c.deps.Clock.Now().Sub(upTo).Round(time.Millisecond), "rebuild_timeout", cfg.KeepAlive.RebuildTimeout)
		} else {
			// The feeder's first read counts from where the history ends,
			// so a call made while it was read is in one or the other.
			c.Feeder.ReadsFrom(upTo, RebuildStep)
			c.log.Info("keep-alive: relearned idle times from Prometheus history", "functions", rep.Functions,
				"invocations", rep.Invocations, "zeroed", rep.Zeroed, "lookback", cfg.KeepAlive.RebuildLookback,
				"took", c.deps.Clock.Now().Sub(upTo).Round(time.Millisecond))
			switch {
			case !rep.ZeroedFrom.IsZero():
				attrs := []any{"zeroed_from", rep.ZeroedFrom}
				if rep.ZeroedErr != nil {
					attrs = append(attrs, "err", rep.ZeroedErr)
				}
				c.log.Warn("keep-alive: replica history read only since zeroed_from; a pre-warm of a function last idled before starts one replica until a term's refresh reads it or it is idled again", attrs...)
			case rep.ZeroedErr != nil:
				c.log.Warn("keep-alive: no replica history; pre-warms start one replica until each function is idled again", "err", rep.ZeroedErr)
			}
			if rep.StartTimesErr != nil {
				c.log.Warn("keep-alive: gateways' start times not read for some of the history; a gateway restarted in place there may have taught too few calls",
					"err", rep.StartTimesErr)
			}
			// Where Prometheus' history begins inside the span read there
			// is nothing older to read (and no fill): the history's start
			// is said below, and "only the most recent" would send the
			// operator after history that does not exist.
			olderExists := rep.HistoryFrom.IsZero() || rep.HistoryFrom.Before(rep.From)
			if !rep.From.IsZero() && olderExists {
				// A Warn when nothing reads the rest; with the fill it is
				// the first of two steps, and the fill says how it ended.
				fills, level := c.KeepAlive.Fills(), slog.LevelWarn
				if fills {
					level = slog.LevelInfo
				}
				c.log.Log(ctx, level, "keep-alive: relearned only the most recent history: the whole lookback would not be read within keep_alive.rebuild_timeout",
					"read", upTo.Sub(rep.From).Round(time.Minute), "lookback", cfg.KeepAlive.RebuildLookback, "rebuild_timeout", cfg.KeepAlive.RebuildTimeout,
					"fill_older", fills)
				if fills {
					// Beside the feeder: the older history, span by span
					// (fill.go).
					fill.Go(func() { c.fillHistory(ctx, cfg, upTo, rep.From) })
				}
			}
			if !rep.HistoryFrom.IsZero() {
				c.log.Info("keep-alive: Prometheus' history of the gateway begins inside the lookback; nothing before it was learned",
					"history_from", rep.HistoryFrom)
			}
		}
	}
	c.setRebuilding(false)
	fill.Go(func() { c.tellListingWhileFollowing(ctx) })
	return c.Feeder.Run(ctx)
}

package controller

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// fillHistory reads the lookback's history before from (where the start's
// rebuild, shortened by keep_alive.rebuild_timeout, began) back to the
// lookback's start, newest span first, each span within the same bound,
// beside the feeder and the loops (keepalive.FillRebuild): a restart of a
// fleet of thousands of functions relearned only the last hours of a day,
// and the idle times of the hours before them, the ones a rare function is
// planned on, were lost until the feeder saw them again. upTo is the
// rebuild's now.
func (c *Controller) fillHistory(ctx context.Context, cfg config.Config, upTo, from time.Time) {
	began := c.deps.Clock.Now()
	rep, err := c.KeepAlive.FillRebuild(ctx, c.deps.History, upTo.Add(-cfg.KeepAlive.RebuildLookback), from, RebuildStep,
		cfg.KeepAlive.RebuildTimeout, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	attrs := []any{"spans", rep.Spans, "idle_times", rep.IdleTimes, "no_room", rep.Dropped,
		"took", c.deps.Clock.Now().Sub(began).Round(time.Millisecond)}
	if !rep.From.IsZero() {
		attrs = append(attrs, "read", upTo.Sub(rep.From).Round(time.Minute))
	}
	if !rep.HistoryFrom.IsZero() {
		attrs = append(attrs, "history_from", rep.HistoryFrom)
	}
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down, or no longer learning: nothing to say
		}
		c.log.Warn("keep-alive: the older history was not all relearned; the idle times before what was read are not learned",
			append(attrs, "err", err)...)
		return
	}
	c.log.Info("keep-alive: relearned the older history too", attrs...)
}

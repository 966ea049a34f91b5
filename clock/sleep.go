package clock

import (
	"context"
	"time"
)

// Sleep waits d on c, or until ctx ends: then it returns ctx's cause. A d of
// zero or less returns at once (the cause if ctx has already ended). On
// Real() inside a synctest bubble, and on a manual clock, the wait is
// virtual.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return nil
	}
	t := c.NewTicker(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C():
		return nil
	}
}

package controller

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// followerListingEvery is how often a replica that does not lead tells the
// keep-alive which functions exist: as often as the idler does on the
// leader (every five minutes at least).
const followerListingEvery = 5 * time.Minute

// tellListingWhileFollowing lists the functions every
// followerListingEvery while this replica does not lead, and tells the
// keep-alive (keepalive.Policy.Listed): Learn runs on every replica, so a
// standby learns every function the gateway counts, but only the idler,
// which runs on the leader alone, reported the listing. A standby never
// forgot a deleted function nor cut its histories to the budget, for as
// long as it followed (a review's finding; a preview per pull request grew
// it without bound). On the leader the idler tells it; a failed listing
// tells nothing (a function missing from it is not deleted). Without
// leader election every replica leads: nothing to do.
func (c *Controller) tellListingWhileFollowing(ctx context.Context) {
	if c.deps.Leading == nil || c.KeepAlive == nil {
		return
	}
	t := c.deps.Clock.NewTicker(followerListingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		if c.deps.Leading() {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, c.Config().Actuator.CallTimeout)
		fns, err := provider.List(lctx, c.deps.Provider, c.wiring.Namespaces)
		cancel()
		if err != nil {
			c.log.Debug("keep-alive: listing on a follower failed; nothing forgotten", "err", err)
			continue
		}
		listed := make(map[provider.Ref]struct{}, len(fns))
		for _, fn := range fns {
			listed[fn.Ref] = struct{}{}
		}
		if n := c.KeepAlive.Listed(c.deps.Clock.Now(), func(r provider.Ref) bool { _, ok := listed[r]; return ok }); n > 0 {
			c.log.Debug("keep-alive: forgot functions unlisted for an hour", "functions", n)
		}
	}
}

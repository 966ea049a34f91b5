package leader

import (
	"context"
	"errors"
	"fmt"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ErrNotLeader: a follower was asked to scale. Only the leader acts.
var ErrNotLeader = errors.New("not the leader: another replica scales")

// Guard wraps a provider so Scale fails with ErrNotLeader unless isLeader()
// says this replica leads; reads pass through (followers keep their caches
// warm). It is the last line behind "followers are not ready": an alert that
// reaches a follower anyway (a stale endpoint, a direct pod call) changes
// nothing.
func Guard(p provider.Provider, isLeader func() bool) provider.Provider {
	return guarded{Provider: p, isLeader: isLeader}
}

type guarded struct {
	provider.Provider
	isLeader func() bool
}

func (g guarded) Scale(ctx context.Context, ref provider.Ref, replicas uint64) error {
	if !g.isLeader() {
		return fmt.Errorf("scale %s to %d: %w", ref, replicas, ErrNotLeader)
	}
	return g.Provider.Scale(ctx, ref, replicas)
}

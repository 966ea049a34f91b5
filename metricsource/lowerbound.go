package metricsource

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// A function's load and activity read from the gateway are sums over the
// gateway's instances (replicas), each scraped on its own. When one
// instance is not scraped now (its scrapes fail, or its target left
// discovery while the others stay) its series go stale: the sums lose its
// share while the calls it serves go on, and a function as busy as ever
// reads less load, or no invocation at all when its calls went through
// that instance. Such a reading is a lower bound: the load is at least
// that, so it may scale up, but it is no ground for a scale-down or a
// scale to zero (missing is not zero).

// LowerBounds is implemented by sources that can tell when their gateway
// sums are lower bounds.
type LowerBounds interface {
	// DownGateways lists the gateway instances that were scraped within
	// lookback and are not answering now (their latest scrape failed, or
	// their target is gone), sorted; none when every instance seen within
	// lookback answers. While the list is not empty every reading of a
	// GatewaySum type over a window up to lookback is a lower bound.
	DownGateways(ctx context.Context, lookback time.Duration) ([]string, error)
}

// GatewaySum reports whether typ's readings are sums over the gateway's
// instances: rps and capacity (and the idler's activity). cpu is the
// kubelet's, queue the queue workers', and a custom load's origin is the
// operator's recording rule, unknown here.
func GatewaySum(typ string) bool {
	return typ == TypeRPS || typ == TypeCapacity
}

// DownGateways asks src which gateway instances are down (LowerBounds):
// nil without error when src cannot tell.
func DownGateways(ctx context.Context, src any, lookback time.Duration) ([]string, error) {
	if lb, ok := src.(LowerBounds); ok {
		return lb.DownGateways(ctx, lookback)
	}
	return nil, nil
}

// maxNamed bounds how many instances LowerBoundWords names: a fleet of
// gateway replicas all failing at once is one sentence, not a hundred.
const maxNamed = 3

// LowerBoundWords says why readings are lower bounds, what of (e.g.
// "load", "activity"), naming the down instances ("" when none is down).
func LowerBoundWords(down []string, what string) string {
	if len(down) == 0 {
		return ""
	}
	names := strings.Join(down[:min(len(down), maxNamed)], ", ")
	if more := len(down) - maxNamed; more > 0 {
		names += fmt.Sprintf(" and %d more", more)
	}
	noun := "instance"
	if len(down) > 1 {
		noun = "instances"
	}
	return fmt.Sprintf("gateway %s %s not scraped: the %s read is a lower bound", noun, names, what)
}

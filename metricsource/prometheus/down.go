package prometheus

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

var _ metricsource.LowerBounds = (*Source)(nil)

// downQuery lists the gateway instances (sel: the coverage selector, the
// gateway's `up`) with a scrape within lookback and no successful scrape
// now: their latest `up` is 0, or their target left discovery (Prometheus
// ends a vanished target's `up` with a staleness marker, so the instant
// selector drops it while last_over_time still holds it). Grouped by
// instance alone: one instance scraped by two jobs, one of them failing,
// is still read through the other (promql.OncePerGateway takes each
// instance's newest copy).
func downQuery(sel string, lookback time.Duration) (string, error) {
	l, err := promDuration("down-instance lookback", lookback)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`group by (instance) (last_over_time(%[1]s[%[2]s])) unless on (instance) (%[1]s == 1)`, sel, l), nil
}

// DownGateways (metricsource.LowerBounds) is downQuery's answer, sorted:
// one small query over the gateway's `up` series (a series per gateway
// instance and job).
func (s *Source) DownGateways(ctx context.Context, lookback time.Duration) ([]string, error) {
	expr, err := downQuery(s.cfg.CoverageSelector, lookback)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	vec, err := queryAs[model.Vector](ctx, s, expr, "a vector")
	if err != nil {
		return nil, fmt.Errorf("gateway instances down: %w", err)
	}
	if len(vec) == 0 {
		return nil, nil
	}
	down := make([]string, 0, len(vec))
	for _, smp := range vec {
		inst := string(smp.Metric["instance"])
		if inst == "" {
			inst = "(no instance label)"
		}
		down = append(down, inst)
	}
	slices.Sort(down)
	return down, nil
}

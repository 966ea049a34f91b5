package keepalive

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// RangeQuerier is the part of the Prometheus HTTP API (client_golang
// v1.25's v1.API, whose queries return warnings and infos) that rebuilding
// needs.
type RangeQuerier interface {
	QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error)
}

// RebuildQuery is the range query Rebuild runs: invocations started per
// function in each step (the same counter the gateway exports and the
// idler reads).
func RebuildQuery(step time.Duration) string {
	return fmt.Sprintf(`sum by (function_name) (increase(gateway_function_invocation_started[%s]))`, model.Duration(step))
}

// RebuildReplicasQuery is Rebuild's second range query: the steps in which
// a function's replica count (gateway_service_count, the gauge the gateway
// exports; the highest of several gateways') fell to zero, each valued at
// the highest count of the step before. A step's highest count still
// shows what the count fell from, and the next step's is 0. Prometheus
// answers only those steps — not every step of every deployed function
// (a day at one-minute steps is 1,441 points a function, 14 million at
// 10,000) — and a scrape gap across the fall yields nothing (no sample
// is not zero): that function pre-warms one replica, as without history.
func RebuildReplicasQuery(step time.Duration) string {
	w := model.Duration(step)
	return fmt.Sprintf(`(max by (function_name) (max_over_time(gateway_service_count[%[1]s] offset %[1]s)) > 0)`+
		` and on (function_name) (max by (function_name) (max_over_time(gateway_service_count[%[1]s])) == 0)`, w)
}

// RebuildReport says what Rebuild learned.
type RebuildReport struct {
	Functions   int      // functions with at least one invocation in the lookback
	Invocations float64  // invocations seen
	Skipped     []string // series whose function_name did not parse
	// Zeroed counts the functions whose last scale to zero in the lookback
	// was found, and so pre-warm to the count they went to zero from.
	Zeroed int
	// ZeroedErr is why the replica history could not be read (nil when it
	// was): the idle times are rebuilt anyway, and pre-warms start one
	// replica until the idler next idles each function, as without history.
	ZeroedErr error
}

// Rebuild restores the learned idle times after a restart or failover from
// Prometheus history instead of a private database: one range query over
// lookback ending at now, with the given step, fed to ObserveCount in time
// order. Idle times are then known at step resolution (a minute is enough
// for keep-alive windows counted in minutes). Call it before the first
// Observe; it never removes what was already learned.
func (p *Policy) Rebuild(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string) (RebuildReport, error) {
	if lookback <= 0 || step <= 0 || step > lookback {
		return RebuildReport{}, fmt.Errorf("keepalive: rebuild lookback %s and step %s: want 0 < step ≤ lookback", lookback, step)
	}
	v, _, _, err := q.QueryRange(ctx, RebuildQuery(step), v1.Range{Start: now.Add(-lookback), End: now, Step: step})
	if err != nil {
		return RebuildReport{}, fmt.Errorf("keepalive: rebuild from Prometheus: %w", err)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return RebuildReport{}, errors.New("keepalive: rebuild: Prometheus did not return a matrix")
	}
	var rep RebuildReport
	for _, s := range m {
		name := string(s.Metric["function_name"])
		ref, err := provider.ParseRef(name, defaultNamespace)
		if err != nil {
			rep.Skipped = append(rep.Skipped, name)
			continue
		}
		pts := inTimeOrder(s.Values)
		seen := false
		for _, sp := range pts {
			// increase() extrapolates, so counts are not whole numbers;
			// round, and treat NaN (counter reset edge cases) as nothing.
			n := math.Round(float64(sp.Value))
			if math.IsNaN(n) || n < 1 {
				continue
			}
			p.ObserveCount(ref, sp.Timestamp.Time(), step, int(math.Min(n, math.MaxInt32)))
			rep.Invocations += n
			seen = true
		}
		if seen {
			rep.Functions++
		}
	}
	rep.Zeroed, rep.ZeroedErr = p.rebuildZeroed(ctx, q, now, lookback, step, defaultNamespace)
	return rep, nil
}

// rebuildZeroed tells the policy, for each function that fell to zero
// within the lookback, the count it fell from the last time (Zeroed), as
// the idler does when it idles one. Who scaled it to zero is not in the
// history; the idler is the usual writer of zero, and a function zeroed by
// someone else pre-warms to the count it had, as the idler's would.
func (p *Policy) rebuildZeroed(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string) (int, error) {
	v, _, _, err := q.QueryRange(ctx, RebuildReplicasQuery(step), v1.Range{Start: now.Add(-lookback), End: now, Step: step})
	if err != nil {
		return 0, fmt.Errorf("keepalive: rebuild the replica history: %w", err)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return 0, errors.New("keepalive: rebuild the replica history: Prometheus did not return a matrix")
	}
	zeroed := 0
	for _, s := range m {
		ref, err := provider.ParseRef(string(s.Metric["function_name"]), defaultNamespace)
		if err != nil || len(s.Values) == 0 {
			continue // a bad name is counted in Skipped by the invocation history when it has calls
		}
		pts := inTimeOrder(s.Values)
		from := float64(pts[len(pts)-1].Value)
		if from >= 1 && p.setZeroed(ref, uint64(math.Min(math.Round(from), math.MaxUint32)), false) {
			zeroed++
		}
	}
	return zeroed, nil
}

// inTimeOrder is a copy of a range query's points, oldest first.
func inTimeOrder(pts []model.SamplePair) []model.SamplePair {
	out := slices.Clone(pts)
	slices.SortFunc(out, func(a, b model.SamplePair) int { return a.Timestamp.Time().Compare(b.Timestamp.Time()) })
	return out
}

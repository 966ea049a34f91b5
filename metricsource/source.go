package metricsource

import (
	"context"
	"errors"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Scaling types with built-in queries. Any other type name is a custom load,
// read from the recorded series CustomLoadMetric{scaling_type="<name>"}, the
// record name OpenFaaS Pro uses for custom rules, so existing rules keep working.
const (
	TypeRPS      = "rps"      // invocations per second (gateway_function_invocation_total)
	TypeCapacity = "capacity" // concurrent invocations: gateway_function_invocation_inflight, or when larger what a scrape interval's arrivals bring (started × mean duration from gateway_functions_seconds)
	TypeCPU      = "cpu"      // milli-CPU (pod_cpu_usage_seconds_total × 1000)
	TypeQueue    = "queue"    // queued messages: waiting plus in flight in the queue worker (queue_worker_pending_messages + queue_worker_function_invocation_inflight)

	CustomLoadMetric = "job:function_current_load:sum"
)

// LoadQuery asks for every function's load of one type, averaged (or, for
// capacity, maximised) over Window ending at the source's now.
type LoadQuery struct {
	Type   string
	Window time.Duration
}

// Values maps functions to a value. A function that has no series is absent:
// missing is not zero.
type Values map[provider.Ref]float64

// Activity is what the idler needs to know about recent invocations.
type Activity struct {
	Window time.Duration
	// Covered is true only when the source has observed the gateway for the
	// whole window, so that a function absent from Started provably had no
	// invocation. When false, absence proves nothing.
	Covered bool
	// Uncovered says why Covered is false (e.g. the longest gap without a
	// fresh observation and the bound it broke); "" when covered.
	Uncovered string
	// Started holds invocations started within the window, per function,
	// counted from the source's last observation at or before the window's
	// start (so calls in a scrape gap straddling the start count).
	Started Values
	// Inflight holds in-flight invocations now: the gateway's in-flight
	// gauge, or for a function without one the calls started and not
	// ended (DerivedInflight); nil when neither is known.
	Inflight Values
	// Vanished holds functions whose gateway series were seen within
	// VanishLookback(Window) but are missing from the latest observation,
	// on every gateway or on one replica still answering (restarted in
	// place, its new process not counting them yet, while another replica
	// does): the gateway restarted or stopped exporting them, so their
	// activity is unknown, not zero (issue 15, item 3). nil when none.
	Vanished map[provider.Ref]bool
	// Queued holds the asynchronous messages waiting for (or being run by)
	// each function now: work that has not finished, whatever its rps. nil
	// when the source knows nothing about queues; a function absent from a
	// non-nil map has no queue series.
	Queued Values
	// Woken holds functions the gateway reported at zero replicas at some
	// point within the window and running at the latest observation, each
	// with the latest time by which it was running again: an upper bound on
	// when it was woken (the first observation above zero after the last
	// one at zero, or the source's resolution past the last zero). It lets
	// an idler that has just started (a restart, a failover) give a wake it
	// did not see live the same keep-alive as one it saw (issue 15, item 5).
	// nil when none, or when the gateway exports no replica count
	// (gateway_service_count): then nothing is known about wakes.
	Woken map[provider.Ref]time.Time
}

// DerivedInflight is a function's invocations in flight from its two
// counters when the gateway has no in-flight gauge for it (OpenFaaS CE): the
// gateway counts a call in gateway_function_invocation_started before it
// proxies it and in gateway_function_invocation_total when the proxied call
// ends (with 502 on an error), so the difference of the two, read at the
// same scrape, is what has started and not ended. Without it a call running
// longer than the keep-alive started before the window and looked like no
// activity, and the function was scaled to zero under it (faas#1410, the
// bug the started counter was meant to fix for calls shorter than the
// window). A difference below zero (the scrape read the total after a call
// ended that it read as not started) is none in flight.
func DerivedInflight(started, ended float64) float64 {
	return max(started-ended, 0)
}

// GapBound is the longest time without a fresh observation of the gateway
// that still counts as continuous observation over window: the operator's
// maxGap (a few scrape intervals), but never more than a third of the
// window, so that a gap cannot hide a meaningful part of a short window
// (issue 15, item 2: a 16 s outage passed a fixed 30 s bound in a 20 s
// window). A window shorter than three scrape intervals therefore never
// reads as covered, which the reason says.
func GapBound(window, maxGap time.Duration) time.Duration {
	return max(min(maxGap, window/3), time.Second)
}

// CoveredWindow is implemented by sources whose coverage of a window follows
// GapBound: ShortestCoveredWindow is the shortest window whose bound is the
// source's whole maxGap (3 × maxGap), so it reads as covered whenever the
// gateway was scraped within maxGap, as longer ones do. 0: no such limit.
// The idler queries an adaptive keep-alive over at least this window: the
// plans that say "zero at once" were queried over 10 s, which a gateway
// scraped every 5 s never covers, and were never acted on.
type CoveredWindow interface {
	ShortestCoveredWindow() time.Duration
}

// ShortestCoveredWindow is src's (CoveredWindow), 0 when it has none.
func ShortestCoveredWindow(src any) time.Duration {
	if c, ok := src.(CoveredWindow); ok {
		return c.ShortestCoveredWindow()
	}
	return 0
}

// VanishLookback is how far back a series counts as "seen before" when it is
// missing now: twice the window, and at least the window plus five minutes
// (Prometheus' own lookback). A function whose series vanished stays
// unknown that long after; after a gateway restart, functions not invoked
// since become idle-able one lookback later rather than one window.
func VanishLookback(window time.Duration) time.Duration {
	return max(2*window, window+5*time.Minute)
}

// Source is the metrics source. Implementations are safe for concurrent use.
type Source interface {
	// Load returns the per-function load for q.Type. An unknown or unavailable
	// type yields an error, never an empty map.
	Load(ctx context.Context, q LoadQuery) (Values, error)
	// Activity returns invocation activity over window for all functions.
	Activity(ctx context.Context, window time.Duration) (Activity, error)
}

// SubsetActivity is implemented by sources that answer Activity for a few
// functions for less than for all of them: the embedded source walks its
// history per function, and Prometheus reads the series a query selects,
// each counter's samples over the whole window (its ActivityFor names the
// functions when they are few).
type SubsetActivity interface {
	// ActivityFor is Activity with entries for refs only: each ref's
	// entries are what Activity gives it; Window, Covered and Uncovered
	// are Activity's.
	ActivityFor(ctx context.Context, window time.Duration, refs []provider.Ref) (Activity, error)
}

// ActivityFor asks src for refs' activity over window: through
// SubsetActivity when src has it, else Activity (whose extra entries the
// caller ignores).
func ActivityFor(ctx context.Context, src interface {
	Activity(ctx context.Context, window time.Duration) (Activity, error)
}, window time.Duration, refs []provider.Ref) (Activity, error) {
	if s, ok := src.(SubsetActivity); ok {
		return s.ActivityFor(ctx, window, refs)
	}
	return src.Activity(ctx, window)
}

// SubsetLoad is implemented by sources that answer Load for a few functions
// for less than for all of them (the embedded source walks every function's
// history per query; a PromQL query costs the same either way). The
// scaler's follow-ups and signalled evaluations decide for a function or
// two, once a second, and had paid a walk over every function each time.
type SubsetLoad interface {
	// LoadFor is Load with entries for refs only: each ref's entry is the
	// one Load gives it, and the errors are Load's.
	LoadFor(ctx context.Context, q LoadQuery, refs []provider.Ref) (Values, error)
}

// LoadFor asks src for refs' load: through SubsetLoad when src has it, else
// Load (whose extra entries the caller ignores).
func LoadFor(ctx context.Context, src Source, q LoadQuery, refs []provider.Ref) (Values, error) {
	if s, ok := src.(SubsetLoad); ok {
		return s.LoadFor(ctx, q, refs)
	}
	return src.Load(ctx, q)
}

// ErrUnavailable wraps failures to reach the source (timeouts, connection
// refused, 5xx): the caller must treat every function's data as missing.
var ErrUnavailable = errors.New("metrics source unavailable")

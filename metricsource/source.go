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
	TypeCapacity = "capacity" // in-flight invocations (gateway_function_invocation_inflight)
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
	// Started holds invocations started within the window, per function.
	Started Values
	// Inflight holds in-flight invocations now; nil when the gateway does not
	// export an in-flight gauge.
	Inflight Values
	// Queued holds the asynchronous messages waiting for (or being run by)
	// each function now: work that has not finished, whatever its rps. nil
	// when the source knows nothing about queues; a function absent from a
	// non-nil map has no queue series.
	Queued Values
}

// Source is the metrics source. Implementations are safe for concurrent use.
type Source interface {
	// Load returns the per-function load for q.Type. An unknown or unavailable
	// type yields an error, never an empty map.
	Load(ctx context.Context, q LoadQuery) (Values, error)
	// Activity returns invocation activity over window for all functions.
	Activity(ctx context.Context, window time.Duration) (Activity, error)
}

// ErrUnavailable wraps failures to reach the source (timeouts, connection
// refused, 5xx): the caller must treat every function's data as missing.
var ErrUnavailable = errors.New("metrics source unavailable")

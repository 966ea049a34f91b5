package sim

import "time"

// Policy is an autoscaling policy under test: a FunctionPolicy (one
// controller per function, replayed one function at a time) or a
// FleetPolicy (one controller for all functions, replayed together).
type Policy interface {
	Name() string
}

// FunctionPolicy is a policy with one controller per function.
// NewController is called once per function, before the replay of that
// function starts; controllers of different functions may run concurrently
// on different goroutines, so a FunctionPolicy must not share mutable state
// between its controllers.
type FunctionPolicy interface {
	Policy
	NewController(fn FunctionInfo, start time.Time) Controller
}

// FunctionInfo is what a controller may know about its function up front
// (what a deployment tells the platform, not what the trace will do).
type FunctionInfo struct {
	Index       int
	ID          string
	Trigger     string // "" when the trace does not say
	MemoryMB    float64
	Concurrency int // requests one replica serves at once
	ColdStart   time.Duration
}

// Controller scales one function. The engine calls Arrival when a request
// reaches the gateway (before it is routed: State does not count it yet) and
// Wake at the time the last Decision asked for.
type Controller interface {
	Arrival(now time.Time, s State) Decision
	Wake(now time.Time, s State) Decision
}

// State is the function as the platform sees it at now.
type State struct {
	Desired  int // replicas requested (ready + starting − draining)
	Ready    int // replicas that can serve
	Starting int // replicas requested but not ready yet
	Inflight int // requests executing
	Queued   int // requests waiting for capacity
	// Arrivals counts requests that reached the gateway so far; differences
	// over time give the request rate a metrics pipeline would see.
	Arrivals uint64
	// LoadSeconds is ∫ (Inflight+Queued) dt so far, in request-seconds;
	// differences over a window give the average concurrency over it.
	LoadSeconds float64
	// Started counts the requests the gateway has started: its
	// gateway_function_invocation_started. A request to a function with no
	// available replica is held by the gateway and starts when one is
	// available, after the scale from zero (Arrivals counts it at once).
	Started uint64
	// Completed counts requests that have finished, and CompletedSeconds
	// sums their durations from the gateway's start (a wait at a busy
	// replica included, a scale from zero not): the gateway's
	// gateway_functions_seconds _count and _sum, which grow when a request
	// ends, not while it runs.
	Completed        uint64
	CompletedSeconds float64
}

// Keep as Decision.Replicas leaves the desired count as it is.
const Keep = -1

// Decision is a controller's answer: the desired replicas (or Keep), when to
// be woken next (zero: not at all; each Decision replaces the previous
// wake-up), and why, as a short code usable as a label.
type Decision struct {
	Replicas int
	Wake     time.Time
	Reason   string
}

// Starter is implemented by controllers that act before the first request:
// the replicas of Start's Decision are warm when the replay begins (a
// function deployed with min 1 has been running), and its Wake schedules the
// first periodic evaluation.
type Starter interface {
	Start(now time.Time) Decision
}

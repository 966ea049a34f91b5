// Package sim replays function invocation traces (package sim/trace) on
// virtual time against autoscaling policies and measures the trade-off
// between cold starts and idle replicas. Every policy — the peers in
// sim/peers and the controller's own code — implements Policy; the engine
// models replicas with a per-replica concurrency, a cold-start delay and
// requests that wait when no warm capacity exists.
//
// Functions are simulated independently (a policy gets one Controller per
// function), which is what lets a day of 2M invocations replay in seconds on
// two cores: the runner spreads functions over GOMAXPROCS workers.
//
// Results from the Azure traces must cite Shahrad et al., "Serverless in the
// Wild", USENIX ATC 2020 (CC BY 4.0).
package sim

// Package sim replays function invocation traces (package sim/trace) on
// virtual time against autoscaling policies and measures the trade-off
// between cold starts and idle replicas. The engine models replicas with a
// per-replica concurrency, a cold-start delay and requests that wait when no
// warm capacity exists.
//
// A FunctionPolicy (the peers in sim/peers) gets one Controller per
// function and its functions are replayed independently, spread over
// GOMAXPROCS workers. A FleetPolicy (faas-autoscaler, sim/ours) is one
// controller for every function, as it ships: its functions are replayed
// together in one global time order — each up to the controller's next
// pass, then the pass over all of them — because the controller links them
// (the keep-alive's fleet-wide pre-warm share, the actuator).
//
// Results from the Azure traces must cite Shahrad et al., "Serverless in the
// Wild", USENIX ATC 2020 (CC BY 4.0).
package sim

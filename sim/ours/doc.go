// Package ours runs faas-autoscaler inside the trace simulator exactly as it
// ships: one controller assembly (controller.New over config.Default(), as
// `faas-autoscaler run` builds it — actuator, scaler loop with the idler's
// MinFloor, idler with RecentScaleUp and the adaptive keep-alive, the
// keep-alive's feeder and fleet-wide pre-warmer) for every function of the
// trace, its parts' one-pass methods called at the times their Run loops
// would call them. Nothing of the policy is re-implemented here: the package
// only wires the simulated platform to the controller (a provider over the
// simulated replicas, the embedded metrics source fed the simulated
// gateway's counters, a virtual clock) and plays the gateway's
// scale-from-zero on the first request to a function at zero.
package ours

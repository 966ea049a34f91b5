// Package faultproxy is a small TCP proxy for fault-injection tests: it sits
// between the controller and a dependency (the gateway, Prometheus) on
// 127.0.0.1 and can refuse connections, cut the open ones, hold them
// without forwarding (a black hole: the peer sees a timeout, not a refusal)
// or add latency. It is test infrastructure, written here rather than built
// from toxiproxy so the fault suite needs no tool build (zero cold cost).
package faultproxy

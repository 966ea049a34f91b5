// Package replay measures issue 12's replay figure: the CPU time (user +
// system) of a whole `faas-autoscaler sim` process replaying a trace with
// faas-autoscaler, over the same for fixed-10m, the baseline whose replay
// is the simulator's engine alone. The two run in alternating rounds, the
// order swapped every round, so a machine that speeds up or slows down
// during the measurement weighs on both; the figure is the ratio of their
// medians, and each round's own ratio shows the spread. A second build
// (REPLAY_AGAINST) can run in the same rounds, to tell a change's cost from
// the machine's drift.
//
// TestReplayRatio is the benchmark; it only runs with FAAS_REPLAY_BENCH=1
// (make bench-replay), so `make test` runs just the summary's maths.
// Results are in docs/benchmarks.md. Nothing here asserts a timing.
package replay

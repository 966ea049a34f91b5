// Package eval is the evaluation matrix of issue 12: a list of cells (a
// trace, a window of it, a seed, a concurrency, an arrival model, and whether
// the cell may be tuned on or is only reported), the replay of every policy
// on each cell, and a verdict per cell that checks the candidate policy
// (faas-autoscaler) against the fixed 10-minute keep-alive and its peers.
// The verdict is a pure function of the cell's summaries; the runner only
// schedules replays.
package eval

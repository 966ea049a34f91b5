package main

import (
	"log/slog"
	"runtime/debug"
)

// DefaultGCPercent is --gc-percent's default: the collector lets the heap
// grow 75 % over what the last collection left, not Go's 100 %. Most of the
// controller's heap is per-function state that lives as long as the
// function, and each pass allocates its listing and readings afresh; the
// headroom over that live heap is most of the distance from heap to RSS.
// Measured at 100,000 functions on the memory provider without a memory
// limit (docs/benchmarks.md, "Footprint, sixth round"): RSS 226–237 MiB mean
// at 75 against 267–272 at 100, with the process's CPU within the runs'
// spread; BenchmarkTick/100000 costs about 15 % more CPU at 75 and about
// 40 % more at 50, which would break its 300 ms goal. Prometheus made the
// same trade (GOGC 50 since v2.53). Under a container limit the soft
// memory limit (--memory-limit-ratio) paces the collector near the limit
// either way.
const DefaultGCPercent = 75

// setGCPercent sets the collector's target to percent unless the GOGC
// variable is set (envSet: the runtime read it, and an operator's explicit
// value wins) or percent is 0, and logs what it chose.
func setGCPercent(percent int, envSet bool, log *slog.Logger) {
	switch {
	case envSet:
		log.Info("gc percent", "reason", "the GOGC variable is set: left as it says")
	case percent == 0:
		log.Info("gc percent", "percent", 100, "reason", "the runtime's default (--gc-percent 0)")
	default:
		debug.SetGCPercent(percent)
		log.Info("gc percent", "percent", percent, "reason", "--gc-percent")
	}
}

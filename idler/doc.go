// Package idler scales opted-in idle functions to zero on a cron schedule and
// raises functions' minimums on scheduled periods. The idle decision (Decide)
// and the schedule arithmetic (RunSchedule.Next, ActiveMinimum) are pure; the
// loop (RunOnce, driven by Run on an injected clock) asks the metrics source
// once per distinct keep-alive per cycle, for all functions, re-checks the
// idle ones with one more query right before scaling them, and does nothing
// for a function whose activity it cannot read: missing is not zero.
//
// Per-function labels (read from labels, then annotations):
//
//	com.openfaas.scale.zero            true|1 opts in (false|0 or absent: never idled)
//	com.openfaas.scale.zero-duration   Go duration (default --default-zero-duration, 15m), or
//	                                   "auto": the KeepAlivePolicy decides, rounded up to a
//	                                   fixed ladder of query windows (10s … 24h, whole
//	                                   hours beyond)
//	com.openfaas.scale.min             with --maintain-min, the count a non-opted function
//	                                   found at zero is restored to (max(min, 1))
//	faas-autoscaler.io/min-schedule    scheduled minimums (annotation on Kubernetes), e.g.
//	                                   "CRON_TZ=Europe/Paris 0 8 * * 1-5 for 12h = 3; 0 10 * * 6 for 4h = 1"
//
// A min-schedule entry is "[CRON_TZ=<zone> ]<five-field cron or @daily…> for
// <duration ≤ 168h> = <minimum ≥ 1>"; entries are separated by ";"; without a
// zone the expression is in UTC; a local time the clocks skip going forward
// starts the entry when they jump (ISC cron's rule; robfig/cron alone
// skipped that day). While an entry is active the function is
// never idled, is raised from zero to the minimum, and the scaler floors it
// there through MinFloor.
//
// Metrics (prefix faas_autoscaler_idler_): runs_total{result},
// functions_idled_total, functions_restored_total, skipped_total{reason},
// cycle_duration_seconds, functions_at_zero, missing_data_cycles_total{reason},
// refused_total, scale_errors_total, activity_queries.
package idler

// Package idler scales opted-in idle functions to zero on a cron schedule and
// raises functions' minimums on scheduled periods. The idle decision and the
// schedule arithmetic are pure; the loop asks the metrics source once per
// distinct keep-alive duration per cycle and does nothing for a function whose
// activity it cannot read.
package idler

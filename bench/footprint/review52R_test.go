package footprint

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// TestReview52RRestartLeavesEachProcessItsLastMinute — the figure logged
// for each process is "the last minute's mean (the steady state, start-up
// left out)" (rssStats; TestRSSStatsLastMinute). parseRestart takes any
// FOOTPRINT_RESTART_AFTER below FOOTPRINT_DURATION ("so that the second
// process is measured for a while"): with the default 3m run and 2m30s,
// the second process lives 30 s, and its "last minute mean" is the mean of
// its start-up and keep-alive rebuild, the phase the figure is meant to
// leave out (docs/benchmarks.md reports it as the restarted controller's
// steady RSS); with 30s, the first process's "before the restart" mean is
// its start-up alone. Expected: a restart that leaves either process less
// than the minute its mean is taken over refused, as a restart at or past
// the run's end is.
func TestReview52RRestartLeavesEachProcessItsLastMinute(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "FOOTPRINT_RESTART_AFTER" {
				return v
			}
			return ""
		}
	}
	const dur = 3 * time.Minute // settings' default FOOTPRINT_DURATION
	for _, v := range []string{"2m30s", "2m59s", "30s"} {
		if d, err := parseRestart(env(v), dur); err == nil {
			t.Errorf("FOOTPRINT_RESTART_AFTER=%s in a %s run accepted (%v): a process measured for %s has no steady last minute",
				v, dur, d, min(d, dur-d))
		}
	}

	// What such a run logs for the second process: TestFootprint's loop
	// gives it samples from the restart (2m30s) to the end (3m), every one
	// "in the last minute", and the mean is the start-up's.
	var s rssStats
	for since := 150 * time.Second; since < dur; since += time.Second {
		kib := uint64(120 * 1024) // rebuilding from history
		if since >= 175*time.Second {
			kib = 60 * 1024 // settled
		}
		s.add(testenv.MemStatus{RSS: kib, HWM: 120 * 1024}, since, dur-since)
	}
	if m := s.meanMiB(); m > 60 {
		t.Logf("the second process's \"last minute mean\" reads %.1f MiB where it settled at 60 MiB", m)
	}
}

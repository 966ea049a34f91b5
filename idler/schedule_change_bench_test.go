package idler

import (
	"testing"
	"time"
)

// BenchmarkActiveMinimumNearAClockChange is the cost of one uncached
// ActiveMinimum (the last activation's search, ~22 calls of Next) on a day
// far from a change of the clocks and within a day after one, where
// jumpSchedule checks the local minutes one by one (cron.go, firstMatch):
// the scheduleCache runs it once per schedule value and instant, not per
// function.
func BenchmarkActiveMinimumNearAClockChange(b *testing.B) {
	for _, c := range []struct {
		name, zone string
		at         time.Time
	}{
		{"paris/far", "Europe/Paris", time.Date(2026, 6, 10, 12, 30, 0, 0, time.UTC)},
		{"paris/after-change", "Europe/Paris", time.Date(2026, 3, 29, 12, 30, 0, 0, time.UTC)},
		{"lord-howe/after-change", "Australia/Lord_Howe", time.Date(2026, 10, 4, 2, 30, 0, 0, time.UTC)},
	} {
		b.Run(c.name, func(b *testing.B) {
			fn := fnWithSchedule("CRON_TZ=" + c.zone + " 0 8 * * 1-5 for 12h = 3; 0 10 * * 6 for 4h = 1")
			for b.Loop() {
				if _, _, err := ActiveMinimum(fn, c.at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package idler

import (
	"testing"
	"time"
)

// A zoned expression whose time does not exist on the day the clocks go
// forward (02:30 in Paris on 29 March 2026, midnight in Havana on 8 March)
// starts when the clock jumps, as ISC cron runs such a job: robfig/cron
// alone skips that day, so a nightly "0 2 * * * for 4h = 3" in New York
// raised nothing on the night of the change, and the idler could idle the
// function inside the period its operator scheduled.
func TestAnActivationInASkippedHourStartsWhenTheClockJumps(t *testing.T) {
	utc := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		value string
		now   time.Time
		want  uint64
	}{
		{"New York 02:00, at 04:00 EDT", "CRON_TZ=America/New_York 0 2 * * * for 4h = 3", utc(3, 8, 8, 0), 3},
		{"New York 02:00, at 06:59 EDT", "CRON_TZ=America/New_York 0 2 * * * for 4h = 3", utc(3, 8, 10, 59), 3},
		{"New York 02:00, at 07:00 EDT: four hours since 03:00", "CRON_TZ=America/New_York 0 2 * * * for 4h = 3", utc(3, 8, 11, 0), 0},
		{"New York 02:00, at 01:59 EST: not yet", "CRON_TZ=America/New_York 0 2 * * * for 4h = 3", utc(3, 8, 6, 59), 0},
		{"Paris 02:30, at 03:10 CEST", "CRON_TZ=Europe/Paris 30 2 * * * for 1h = 1", utc(3, 29, 1, 10), 1},
		{"Paris 02:30, at 04:01 CEST", "CRON_TZ=Europe/Paris 30 2 * * * for 1h = 1", utc(3, 29, 2, 1), 0},
		{"Havana midnight, at 02:00 CDT", "CRON_TZ=America/Havana 0 0 * * * for 12h = 2", utc(3, 8, 6, 0), 2},
		{"a weekday entry is not moved to the Sunday of the change", "CRON_TZ=America/New_York 30 2 * * 1-5 for 2h = 4", utc(3, 8, 8, 0), 0},
		{"the day after, as usual", "CRON_TZ=America/New_York 0 2 * * * for 4h = 3", utc(3, 9, 7, 0), 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, reason, err := ActiveMinimum(fnWithSchedule(tc.value), tc.now)
			if err != nil || n != tc.want {
				t.Errorf("ActiveMinimum(%q) at %s = %d %q %v, want %d", tc.value, tc.now.Format(time.RFC3339), n, reason, err, tc.want)
			}
		})
	}

	// Upcoming, which restores a function at zero ahead of an entry and
	// keeps the idler from idling one just before it, sees it too.
	ms, err := ParseMinSchedule("CRON_TZ=Europe/Paris 30 2 * * * for 1h = 2")
	if err != nil {
		t.Fatal(err)
	}
	jump := utc(3, 29, 1, 0) // 02:00 CET is 03:00 CEST
	if a, ok := ms.Upcoming(jump.Add(-30*time.Second), jump.Add(30*time.Second)); !ok || !a.Since.Equal(jump) {
		t.Errorf("Upcoming around the jump = %v since %s, want since %s", ok, a.Since.UTC().Format(time.RFC3339), jump.Format(time.RFC3339))
	}

	// The idler's own schedule runs on that night too, once.
	rs, err := ParseRunSchedule("CRON_TZ=Europe/Paris 30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ after, want time.Time }{
		{utc(3, 28, 12, 0), jump},
		{jump, utc(3, 30, 0, 30)}, // 02:30 CEST
		// The hour that repeats in October is left as robfig/cron has it:
		// 02:30 CEST, then 02:30 CET.
		{utc(10, 25, 0, 0), utc(10, 25, 0, 30)},
		{utc(10, 25, 0, 30), utc(10, 25, 1, 30)},
	} {
		if got := rs.Next(c.after); !got.Equal(c.want) {
			t.Errorf("Next(%s) = %s, want %s", c.after.Format(time.RFC3339), got.UTC().Format(time.RFC3339), c.want.Format(time.RFC3339))
		}
	}
}

// lastActivation's search relies on Next being monotone, with whole-second
// activations: it must agree with walking every activation across the
// changes of the clocks as elsewhere.
func TestLastActivationMatchesBruteForceAcrossClockChanges(t *testing.T) {
	tests := []struct {
		expr        string
		spring, aut time.Time // instants of the two changes in 2026
	}{
		{"CRON_TZ=America/New_York 0 1-3 * * *", time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)},
		{"CRON_TZ=Europe/Paris */20 2 * * *", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)},
		{"CRON_TZ=America/Havana 0 0 * * *", time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)},
		{"CRON_TZ=Australia/Lord_Howe 15 2 * * 0", time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC), time.Date(2026, 4, 4, 15, 0, 0, 0, time.UTC)},
	}
	durs := []time.Duration{time.Minute, 30 * time.Minute, 90 * time.Minute, 26 * time.Hour}
	for _, tc := range tests {
		sched, err := parseCron(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		for _, change := range []time.Time{tc.spring, tc.aut} {
			for now := change.Add(-28 * time.Hour); now.Before(change.Add(28 * time.Hour)); now = now.Add(11*time.Minute + 7*time.Second) {
				for _, d := range durs {
					var want time.Time
					for a := sched.Next(now.Add(-d)); !a.IsZero() && !a.After(now); a = sched.Next(a) {
						want = a
					}
					got, ok := lastActivation(sched, now, d)
					if ok != !want.IsZero() || !got.Equal(want) {
						t.Fatalf("%q at %v for %s: got %v %v, want %v", tc.expr, now, d, got, ok, want)
					}
				}
			}
		}
	}
}

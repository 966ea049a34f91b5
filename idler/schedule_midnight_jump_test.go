package idler

import (
	"testing"
	"time"
)

// TestWeekdayEntryDoesNotLeakIntoTheDayAfterAMidnightJump: README's own
// Saturday entry, in Santiago, is active on Sunday 6 September 2026 (the
// clocks go from Saturday 24:00 to Sunday 01:00); a Sunday–Thursday entry in
// Cairo is active on Friday 24 April 2026 (Egypt's change, Thursday 24:00 →
// Friday 01:00). The idler's own weekly run went the same way.
// robfig/cron's SpecSchedule.Next sees the next day only when the hour
// wraps to 0, which it does not there (23 → 1): jumpSchedule now searches
// on from an answer that does not match.
//
// Seen failing before the fix (found by a review): ActiveMinimum("CRON_TZ=
// America/Santiago 0 8 * * 6 for 16h = 1") on Sun 2026-09-06 09:00 -03 = 1,
// want 0; MinFloor("CRON_TZ=Africa/Cairo 0 8 * * 0-4 for 10h = 3") on Fri
// 2026-04-24 09:00 EEST = 3, want 0; idle schedule "CRON_TZ=America/
// Santiago 0 3 * * 6": Next(Sat 2026-09-05 03:00 -04) = Sun 2026-09-06
// 03:00 -03, want Sat 2026-09-12 03:00 -03
func TestWeekdayEntryDoesNotLeakIntoTheDayAfterAMidnightJump(t *testing.T) {
	santiago, cairo := mustLoc(t, "America/Santiago"), mustLoc(t, "Africa/Cairo")
	floor := MinFloor(nil)
	for _, tc := range []struct {
		value string
		now   time.Time
	}{
		// Saturday 08:00–24:00; on Sunday 6 September 2026 at 09:00 it
		// is 17 hours since Saturday 16:00.
		{"CRON_TZ=America/Santiago 0 8 * * 6 for 16h = 1", time.Date(2026, 9, 6, 9, 0, 0, 0, santiago)},
		{"CRON_TZ=America/Havana 0 8 * * 6 for 16h = 2", time.Date(2026, 3, 8, 9, 0, 0, 0, mustLoc(t, "America/Havana"))},
		{"CRON_TZ=Africa/Cairo 0 8 * * 0-4 for 10h = 3", time.Date(2026, 4, 24, 9, 0, 0, 0, cairo)}, // Friday
	} {
		fn := fnWithSchedule(tc.value)
		n, reason, err := ActiveMinimum(fn, tc.now)
		if err != nil || n != 0 {
			t.Errorf("ActiveMinimum(%q) on %s = %d (%s) %v, want 0: the entry does not match that day",
				tc.value, tc.now.Format("Mon 2006-01-02 15:04 MST"), n, reason, err)
		}
		if n, _ := floor(fn, tc.now); n != 0 {
			t.Errorf("MinFloor(%q) on %s = %d, want 0", tc.value, tc.now.Format("Mon 2006-01-02 15:04 MST"), n)
		}
	}
	rs, err := ParseRunSchedule("CRON_TZ=America/Santiago 0 3 * * 6")
	if err != nil {
		t.Fatal(err)
	}
	sat := time.Date(2026, 9, 5, 3, 0, 0, 0, santiago)
	if got, want := rs.Next(sat), time.Date(2026, 9, 12, 3, 0, 0, 0, santiago); !got.Equal(want) {
		t.Errorf("idle schedule %q: Next(%s) = %s, want %s", rs, sat.Format("Mon 2006-01-02 15:04 MST"),
			got.In(santiago).Format("Mon 2006-01-02 15:04 MST"), want.Format("Mon 2006-01-02 15:04 MST"))
	}
}

// TestLordHoweEntriesKeptAroundItsHalfHourChange: in
// Australia/Lord_Howe (clocks move 30 minutes, at 02:00), a Sunday-noon
// entry is inactive on the Sunday of the change, and a daily 03:00 entry on
// the day of the change: the idler may idle the function inside the period
// its operator scheduled, and the scaler does not floor it. robfig/cron's
// search steps over those times across the change; jumpSchedule checks the
// minutes within a day of a change it crosses.
//
// Seen failing before the fix (found by a review): ActiveMinimum("CRON_TZ=
// Australia/Lord_Howe 0 3 * * * for 1h = 2") at Sun 2026-10-04 03:30 +11 =
// 0 "" <nil>, want 2; ActiveMinimum("CRON_TZ=Australia/Lord_Howe 0 12 * *
// 0 for 12h = 2") at Sun 2026-04-05 12:30 +1030 = 0 "" <nil>, want 2
func TestLordHoweEntriesKeptAroundItsHalfHourChange(t *testing.T) {
	lh := mustLoc(t, "Australia/Lord_Howe")
	for _, tc := range []struct {
		value string
		now   time.Time
	}{
		{"CRON_TZ=Australia/Lord_Howe 0 3 * * * for 1h = 2", time.Date(2026, 10, 4, 3, 5, 0, 0, lh)},
		{"CRON_TZ=Australia/Lord_Howe 0 3 * * * for 1h = 2", time.Date(2026, 10, 4, 3, 30, 0, 0, lh)},
		{"CRON_TZ=Australia/Lord_Howe 0 3 * * * for 1h = 2", time.Date(2026, 10, 4, 3, 59, 0, 0, lh)},
		{"CRON_TZ=Australia/Lord_Howe 0 12 * * 0 for 12h = 2", time.Date(2026, 4, 5, 12, 30, 0, 0, lh)},
		{"CRON_TZ=Australia/Lord_Howe 0 12 * * 0 for 12h = 2", time.Date(2026, 10, 4, 12, 30, 0, 0, lh)},
	} {
		n, reason, err := ActiveMinimum(fnWithSchedule(tc.value), tc.now)
		if err != nil || n != 2 {
			t.Errorf("ActiveMinimum(%q) at %s = %d %q %v, want 2", tc.value, tc.now.Format("Mon 2006-01-02 15:04 MST"), n, reason, err)
		}
	}
}

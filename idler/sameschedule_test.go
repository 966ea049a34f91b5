package idler

import "testing"

// TestSameSchedule: the texts of one schedule are the same schedule; a
// different interval, field, zone or kind is not.
func TestSameSchedule(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"@every 1m", "@every 60s", true},
		{"@every 1m", " @every 1m ", true},
		{"@every 1m", "@every 61s", false},
		{"*/5 * * * *", "0-59/5 * * * *", true},
		{"*/5 * * * *", "*/10 * * * *", false},
		{"@hourly", "0 * * * *", true},
		{"CRON_TZ=Europe/Paris 0 9 * * *", "0 9 * * *", false},
		{"CRON_TZ=UTC 0 9 * * *", "0 9 * * *", true},
		{"@every 1h", "@hourly", false}, // from the last run vs on the hour
		{"not a schedule", "@every 1m", false},
	} {
		if got := SameSchedule(tc.a, tc.b); got != tc.want {
			t.Errorf("SameSchedule(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

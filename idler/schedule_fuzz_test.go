package idler

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseMinSchedule feeds arbitrary min-schedule annotations to the
// parser: no panic (robfig/cron panics on some inputs, which parseCron must
// turn into errors), and a value that parses has usable entries whose Active
// answers within the entry's duration.
func FuzzParseMinSchedule(f *testing.F) {
	for _, s := range []string{
		"0 8 * * 1-5 for 12h = 3",
		"CRON_TZ=Europe/Paris 0 8 * * 1-5 for 12h = 3; 0 10 * * 6 for 4h = 1",
		"@daily for 1h = 2;",
		"TZ=America/New_York */5 * * * * for 1m = 1",
		"CRON_TZ=Nowhere/Else 0 0 * * * for 1h = 1",
		"CRON_TZ=Local\t0 0 * * * for 1h = 1",
		"0 0 30 2 * for 1h = 1",
		"@every 1m for 1h = 1",
		"TZ= for 1h = 1",
		"0 8 * * * for 169h = 1",
		"0 8 * * * for 1h = 0",
		"; ;",
	} {
		f.Add(s, int64(1_700_000_000))
	}
	f.Fuzz(func(t *testing.T, value string, unix int64) {
		m, err := ParseMinSchedule(value)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(m.Entries) == 0 {
			t.Fatalf("%q parsed with no entries", value)
		}
		for _, e := range m.Entries {
			if e.For <= 0 || e.For > MaxScheduleDuration || e.Min == 0 || e.sched == nil {
				t.Fatalf("%q: unusable entry %+v", value, e)
			}
		}
		// Keep the instant inside years the cron library handles.
		now := time.Unix(unix%(50*365*24*3600), 0).UTC().Add(30 * 365 * 24 * time.Hour)
		if a, ok := m.Active(now); ok {
			if now.Before(a.Since) || !now.Before(a.Until) || a.Until.Sub(a.Since) != a.Entry.For {
				t.Fatalf("%q at %s: active entry %+v does not cover now", value, now, a)
			}
		}
	})
}

// FuzzParseRunSchedule: the --idle-schedule value never panics and a
// schedule that parses always has a next run after now.
func FuzzParseRunSchedule(f *testing.F) {
	for _, s := range []string{"@every 30s", "*/1 * * * *", "CRON_TZ=UTC 0 0 * * *", "TZ=", "CRON_TZ=Europe/Paris", "0 0 31 2 *", "@every -1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		r, err := ParseRunSchedule(expr)
		if err != nil {
			if !strings.Contains(err.Error(), "idle schedule") {
				t.Fatalf("error %q does not name the setting", err)
			}
			return
		}
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		if next := r.Next(now); !next.After(now) {
			t.Fatalf("%q: next run %s is not after %s", expr, next, now)
		}
	})
}

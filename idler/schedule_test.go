package idler

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func fnWithSchedule(v string) provider.Function {
	return provider.Function{Ref: provider.Ref{Name: "f", Namespace: "ns"}, Annotations: map[string]string{MinScheduleLabel: v}}
}

func TestActiveMinimum(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	ny := mustLoc(t, "America/New_York")
	const weekdays = "CRON_TZ=Europe/Paris 0 8 * * 1-5 for 12h = 3"
	tests := []struct {
		name  string
		value string
		now   time.Time
		want  uint64
	}{
		{"weekday morning in Paris", weekdays, time.Date(2026, 3, 4, 8, 0, 0, 0, paris), 3},
		{"a second before the start", weekdays, time.Date(2026, 3, 4, 7, 59, 59, 0, paris), 0},
		{"last second of the period", weekdays, time.Date(2026, 3, 4, 19, 59, 59, 0, paris), 3},
		{"period over at 20:00", weekdays, time.Date(2026, 3, 4, 20, 0, 0, 0, paris), 0},
		{"saturday", weekdays, time.Date(2026, 3, 7, 12, 0, 0, 0, paris), 0},
		{"same instant seen from UTC", weekdays, time.Date(2026, 3, 4, 7, 30, 0, 0, time.UTC), 3},
		{"same instant seen from New York", weekdays, time.Date(2026, 3, 4, 2, 30, 0, 0, ny), 3},
		// Europe switches to summer time on 2026-03-29 (Sunday); the US did on 03-08.
		{"Friday before DST, 19:30 local = 18:30 UTC", weekdays, time.Date(2026, 3, 27, 18, 30, 0, 0, time.UTC), 3},
		{"Monday after DST, 18:30 UTC = 20:30 local", weekdays, time.Date(2026, 3, 30, 18, 30, 0, 0, time.UTC), 0},
		{"Monday after DST, 06:00 UTC = 08:00 local", weekdays, time.Date(2026, 3, 30, 6, 0, 0, 0, time.UTC), 3},
		{"New York between the two DST changes", "CRON_TZ=America/New_York 0 9 * * 1-5 for 8h = 2", time.Date(2026, 3, 16, 13, 0, 0, 0, time.UTC), 2},
		{"New York an hour earlier is before 9:00 EDT", "CRON_TZ=America/New_York 0 9 * * 1-5 for 8h = 2", time.Date(2026, 3, 16, 12, 59, 0, 0, time.UTC), 0},
		{"no zone means UTC", "0 8 * * * for 1h = 1", time.Date(2026, 3, 4, 8, 30, 0, 0, time.UTC), 1},
		{"no zone means UTC, not local Paris", "0 8 * * * for 1h = 1", time.Date(2026, 3, 4, 8, 30, 0, 0, paris), 0},
		{"overnight period crossing midnight", "TZ=Asia/Tokyo 0 22 * * * for 4h = 2", time.Date(2026, 3, 5, 1, 0, 0, 0, mustLoc(t, "Asia/Tokyo")), 2},
		{"highest of overlapping entries", "0 8 * * * for 12h = 2; 0 12 * * * for 2h = 5", time.Date(2026, 3, 4, 13, 0, 0, 0, time.UTC), 5},
		{"lower entry after the higher ends", "0 8 * * * for 12h = 2; 0 12 * * * for 2h = 5", time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC), 2},
		{"every minute for a day (long search)", "* * * * * for 24h = 1", time.Date(2026, 3, 4, 15, 0, 30, 0, time.UTC), 1},
		{"descriptor", "@daily for 1h = 4", time.Date(2026, 3, 4, 0, 59, 0, 0, time.UTC), 4},
		{"trailing separator", "@daily for 1h = 4;", time.Date(2026, 3, 4, 0, 59, 0, 0, time.UTC), 4},
		{"7-day period", "0 0 * * 1 for 168h = 1", time.Date(2026, 3, 8, 23, 59, 0, 0, time.UTC), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reason, err := ActiveMinimum(fnWithSchedule(tc.value), tc.now)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("ActiveMinimum = %d (%s), want %d", got, reason, tc.want)
			}
			if (got > 0) != (reason != "") {
				t.Errorf("reason %q does not match minimum %d", reason, got)
			}
		})
	}
}

func TestActiveMinimumReason(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	_, reason, err := ActiveMinimum(fnWithSchedule("CRON_TZ=Europe/Paris 0 8 * * 1-5 for 12h = 3"), time.Date(2026, 3, 30, 9, 0, 0, 0, paris))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"since 2026-03-30 08:00 CEST", "until 2026-03-30 20:00 CEST", "= 3"} {
		if !strings.Contains(reason, want) {
			t.Errorf("reason %q lacks %q", reason, want)
		}
	}
}

// localZoneRefused is the error for a CRON_TZ=Local or TZ=Local prefix.
//
// Seen failing before the check: TestActiveMinimumErrors/local_zone: err =
// <nil> (the entry parsed, in the controller's own zone).
const localZoneRefused = `zone "Local" is the controller's own time zone (UTC in most containers), ` +
	`so the schedule would change with where the controller runs: name an IANA zone ` +
	`(CRON_TZ=Europe/Paris), or leave the prefix out for UTC`

func TestActiveMinimumErrors(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"no for", "0 8 * * *", `faas-autoscaler.io/min-schedule: entry 1 "0 8 * * *": want "<cron> for <duration> = <minimum>"`},
		{"no minimum", "0 8 * * * for 1h", `faas-autoscaler.io/min-schedule: entry 1 "0 8 * * * for 1h": missing "= <minimum>"`},
		{"bad hour", "0 8 * * * for 1h = 1; 0 25 * * * for 1h = 2", `faas-autoscaler.io/min-schedule: entry 2 "0 25 * * * for 1h = 2": cron "0 25 * * *": `},
		{"six fields", "0 0 8 * * * for 1h = 1", `cron "0 0 8 * * *": `},
		{"bad zone", "CRON_TZ=Mars/Olympus 0 8 * * * for 1h = 1", `cron "CRON_TZ=Mars/Olympus 0 8 * * *": `},
		{"zone alone", "CRON_TZ=UTC for 1h = 1", `cron "CRON_TZ=UTC": time zone prefix without an expression after it`},
		// Local is the controller's own zone, UTC in a container and
		// another on a laptop: not the fixed instants a zone promises.
		{"local zone", "0 8 * * * for 1h = 1; CRON_TZ=Local 0 8 * * 1-5 for 12h = 3",
			`entry 2 "CRON_TZ=Local 0 8 * * 1-5 for 12h = 3": cron "CRON_TZ=Local 0 8 * * 1-5": ` + localZoneRefused},
		{"local zone, TZ=", "TZ=Local 0 8 * * * for 1h = 1", `cron "TZ=Local 0 8 * * *": ` + localZoneRefused},
		{"never fires", "0 0 30 2 * for 1h = 1", `cron "0 0 30 2 *": never fires`},
		{"every", "@every 1h for 1h = 1", `@every has no fixed activation times`},
		{"bad duration", "0 8 * * * for 1 hour = 1", `duration "1 hour": want a Go duration such as 12h`},
		{"too long", "0 8 * * * for 200h = 1", `duration "200h": must be in (0, 168h0m0s]`},
		{"zero minimum", "0 8 * * * for 1h = 0", `minimum "0": want a whole number ≥ 1`},
		{"negative minimum", "0 8 * * * for 1h = -2", `minimum "-2": want a whole number ≥ 1`},
		{"empty", " ; ", `faas-autoscaler.io/min-schedule: no entries`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ActiveMinimum(fnWithSchedule(tc.value), t0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), MinScheduleLabel+": ") {
				t.Errorf("error %q does not name the label", err)
			}
		})
	}
}

func TestMinScheduleLabelAndAnnotation(t *testing.T) {
	v := "0 8 * * * for 12h = 2"
	now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		fn      provider.Function
		want    uint64
		wantErr bool
	}{
		{"none", provider.Function{}, 0, false},
		{"label", provider.Function{Labels: map[string]string{MinScheduleLabel: v}}, 2, false},
		{"annotation", provider.Function{Annotations: map[string]string{MinScheduleLabel: v}}, 2, false},
		{"both equal", provider.Function{Labels: map[string]string{MinScheduleLabel: v}, Annotations: map[string]string{MinScheduleLabel: v}}, 2, false},
		{"both differ", provider.Function{Labels: map[string]string{MinScheduleLabel: v}, Annotations: map[string]string{MinScheduleLabel: "0 8 * * * for 12h = 3"}}, 0, true},
	}
	floor := MinFloor(nil) // the scaler's hook answers alike, from either place
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := ActiveMinimum(tc.fn, now)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %d, %v; want %d (error %v)", got, err, tc.want, tc.wantErr)
			}
			n, reason := floor(tc.fn, now)
			if n != tc.want || (reason == "") != (tc.want == 0 && !tc.wantErr) {
				t.Fatalf("MinFloor: %d %q; want %d (error %v)", n, reason, tc.want, tc.wantErr)
			}
		})
	}
}

// lastActivation must agree with walking every activation of the window.
func TestLastActivationMatchesBruteForce(t *testing.T) {
	exprs := []string{"* * * * *", "*/7 * * * *", "0 8 * * 1-5", "CRON_TZ=Europe/Paris 30 2 * * *",
		"CRON_TZ=America/New_York 0 1-3 * * *", "15 */5 * * *", "0 0 1 * *", "CRON_TZ=Australia/Lord_Howe 0 2 * * 0"}
	durs := []time.Duration{time.Minute, 90 * time.Second, time.Hour, 13 * time.Hour, 24 * time.Hour, 72 * time.Hour}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, expr := range exprs {
		sched, err := parseCron(expr)
		if err != nil {
			t.Fatal(err)
		}
		for range 150 {
			now := start.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
			d := durs[rng.IntN(len(durs))]
			var want time.Time
			for a := sched.Next(now.Add(-d)); !a.IsZero() && !a.After(now); a = sched.Next(a) {
				want = a
			}
			got, ok := lastActivation(sched, now, d)
			if ok != !want.IsZero() || !got.Equal(want) {
				t.Fatalf("%q at %v for %s: got %v %v, want %v", expr, now, d, got, ok, want)
			}
		}
	}
}

func TestMinFloorLogsBadScheduleOnce(t *testing.T) {
	var logs strings.Builder
	floor := MinFloor(newTextLogger(&logs))
	fn := fnWithSchedule("0 25 * * * for 1h = 2")
	for range 3 {
		n, reason := floor(fn, t0)
		if n != 0 || !strings.Contains(reason, MinScheduleLabel) {
			t.Fatalf("floor = %d %q", n, reason)
		}
	}
	if c := strings.Count(logs.String(), "scheduled minimum ignored"); c != 1 {
		t.Fatalf("logged %d times, want once:\n%s", c, logs.String())
	}
	good := fnWithSchedule("0 8 * * * for 12h = 2")
	if n, _ := floor(good, time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)); n != 2 {
		t.Fatalf("floor = %d, want 2", n)
	}
}

func TestRunSchedule(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 10, 0, time.UTC)
	tests := []struct {
		expr    string
		want    time.Time
		wantErr string
	}{
		{"@every 30s", now.Add(30 * time.Second), ""},
		{"*/5 * * * *", time.Date(2026, 3, 4, 10, 5, 0, 0, time.UTC), ""},
		{"CRON_TZ=Asia/Kolkata 0 * * * *", time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC), ""},
		{"every 30s", time.Time{}, `idle schedule "every 30s": expected exactly 5 fields`},
		{"", time.Time{}, `idle schedule "": empty cron expression`},
		{"CRON_TZ=UTC", time.Time{}, `idle schedule "CRON_TZ=UTC": time zone prefix without an expression after it`},
		{"CRON_TZ=Local 0 2 * * *", time.Time{}, `idle schedule "CRON_TZ=Local 0 2 * * *": ` + localZoneRefused},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			s, err := ParseRunSchedule(tc.expr)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want prefix %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(now); !got.Equal(tc.want) {
				t.Fatalf("Next = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestEverySubSecondScheduleIsRefused: idler.schedule / --idle-schedule
// "@every <d>" with d zero, negative or under a second is an error naming
// the value (config validation words it for idler.schedule), not a silent
// run every second (robfig/cron's rounding), each cycle listing every
// function and querying the metrics source. A second is accepted.
//
// Seen failing before the fix (found by a review): schedule_test.go:246:
// ParseRunSchedule("@every 100ms") accepted; it runs every 1s
func TestEverySubSecondScheduleIsRefused(t *testing.T) {
	for expr, want := range map[string]string{
		"@every -30s":             `idle schedule "@every -30s": interval -30s must be at least 1s`,
		"@every 0s":               `idle schedule "@every 0s": interval 0s must be at least 1s`,
		"@every 100ms":            `idle schedule "@every 100ms": interval 100ms must be at least 1s`,
		"CRON_TZ=UTC @every 0.5s": `idle schedule "CRON_TZ=UTC @every 0.5s": interval 500ms must be at least 1s`,
	} {
		s, err := ParseRunSchedule(expr)
		if err == nil {
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			t.Errorf("ParseRunSchedule(%q) accepted; it runs every %s", expr, s.Next(now).Sub(now))
		} else if err.Error() != want {
			t.Errorf("ParseRunSchedule(%q) = %q, want %q", expr, err, want)
		}
	}
	if _, err := ParseRunSchedule("@every 1s"); err != nil {
		t.Errorf("ParseRunSchedule(%q): %v, want accepted", "@every 1s", err)
	}
}

// TestScheduleCacheAnswersAsUncached: the cache keeps each value's last
// answer; asked again at the same instant it must give it, and asked at
// another instant (or in another location) it must compute afresh, exactly
// as without a cache.
func TestScheduleCacheAnswersAsUncached(t *testing.T) {
	fns := []provider.Function{
		fnWithSchedule("CRON_TZ=Europe/Paris 0 8 * * 1-5 for 12h = 3"),
		fnWithSchedule("0 10 * * * for 1h = 2; 30 10 * * * for 2h = 5"),
		fnWithSchedule("0 25 * * * for 1h = 2"), // does not parse
		{Ref: provider.Ref{Name: "none", Namespace: "ns"}},
	}
	cache := &scheduleCache{}
	start := time.Date(2026, 3, 4, 7, 0, 0, 0, time.UTC)
	ny := mustLoc(t, "America/New_York")
	for step := range 7 * 24 * 4 { // every quarter hour of a week
		now := start.Add(time.Duration(step) * 15 * time.Minute)
		for _, at := range []time.Time{now, now, now.In(ny)} {
			for _, fn := range fns {
				n, reason, err := activeMinimum(fn, at, cache)
				wn, wreason, werr := ActiveMinimum(fn, at)
				if n != wn || reason != wreason || fmt.Sprint(err) != fmt.Sprint(werr) {
					t.Fatalf("%s at %s: cached %d %q %v, uncached %d %q %v", fn.Ref, at, n, reason, err, wn, wreason, werr)
				}
			}
		}
	}
}

// BenchmarkActiveMinimum measures the search for the last activation: each
// call is at a new instant, so the cache's last answer is never reused.
func BenchmarkActiveMinimum(b *testing.B) {
	fn := fnWithSchedule("CRON_TZ=Europe/Paris * * * * 1-5 for 168h = 3")
	cache := &scheduleCache{}
	now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	for b.Loop() {
		now = now.Add(time.Second)
		if n, _, _ := activeMinimum(fn, now, cache); n != 3 {
			b.Fatal(n)
		}
	}
}

// TestEveryFractionalSecondScheduleIsRefused: robfig/cron keeps an
// "@every" delay in whole seconds, dropping the rest: "@every 1500ms" ran
// every second and "@every 2.9s" every 2 s, silently a third faster than
// asked. A fraction is an error naming the value.
func TestEveryFractionalSecondScheduleIsRefused(t *testing.T) {
	for expr, want := range map[string]string{
		"@every 1500ms": `idle schedule "@every 1500ms": interval 1.5s is not a whole number of seconds (cron keeps 1s)`,
		"@every 2.9s":   `idle schedule "@every 2.9s": interval 2.9s is not a whole number of seconds (cron keeps 2s)`,
	} {
		s, err := ParseRunSchedule(expr)
		if err == nil {
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			t.Errorf("ParseRunSchedule(%q) accepted; it runs every %s", expr, s.Next(now).Sub(now))
		} else if err.Error() != want {
			t.Errorf("ParseRunSchedule(%q) = %q, want %q", expr, err, want)
		}
	}
	for _, ok := range []string{"@every 2s", "@every 1m30s", "@every 2000ms"} {
		if _, err := ParseRunSchedule(ok); err != nil {
			t.Errorf("ParseRunSchedule(%q): %v, want accepted", ok, err)
		}
	}
}

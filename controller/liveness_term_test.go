package controller

import (
	"net/http"
	"regexp"
	"testing"
	"testing/synctest"
	"time"
)

// loseLease ends the term run by stop as the elector does when the lease
// is lost: the replica no longer leads and the term's ctx is cancelled.
// It returns when that happened.
func (l *live) loseLease(stop func()) time.Time {
	l.leading.Store(false)
	stop()
	return time.Now()
}

// TestHealthzFailsWhenAnEndedTermHangs: a term whose loops hang in a
// provider listing that ignores its context does not return when the
// lease is lost, so the elector never stands again and the replica
// follows for ever. Not leading, it was "always live": /healthz answers
// 200 until the ended term has not returned for liveness.max_inactivity,
// then 503 naming the loops still running.
//
// Seen failing with Live's ended-term check removed: "10m1s after the
// lease was lost: /healthz 200 "OK\n", want 503 ^stalled: the term ended
// 10m1s ago …".
func TestHealthzFailsWhenAnEndedTermHangs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig() // scaler.interval 2s, idler @every 5s, liveness.max_inactivity 10m
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		stop := l.act()
		l.stays(5*time.Minute, "leading")
		l.p.hang.Store(true)
		time.Sleep(11 * time.Second) // a scaler pass, an idler cycle and a pre-warm (every 10s) have begun, and hang
		lost := l.loseLease(stop)
		synctest.Wait()
		if n := l.ctl.live.acts(); n != 1 {
			t.Fatalf("%d Acts running once the lease was lost, want the hung one", n)
		}
		l.stays(9*time.Minute, "a follower whose ended term has not returned for less than max_inactivity")
		time.Sleep(time.Minute - time.Second)
		if code, body := l.healthz(); code != http.StatusOK {
			t.Fatalf("%s after the lease was lost: /healthz %d %q, want 200 until max_inactivity", time.Since(lost), code, body)
		}
		time.Sleep(2 * time.Second)
		code, body := l.healthz()
		want := regexp.MustCompile(`^stalled: the term ended 10m1s ago and has not returned; still running: idler, pre-warmer, scaler loop \(max_inactivity 10m\)\n$`)
		if code != http.StatusServiceUnavailable || !want.MatchString(body) {
			t.Fatalf("%s after the lease was lost: /healthz %d %q, want 503 %s", time.Since(lost), code, body, want)
		}
	})
}

// TestHealthzEndedTermOffAtZero: with liveness.max_inactivity 0 an ended
// term that never returns does not fail /healthz either.
//
// Seen failing with the ended-term check moved before the max_inactivity
// 0 check (mutation): "a follower whose ended term hangs, max_inactivity
// 0: /healthz 503 "stalled: the term ended 1m ago and has not returned;
// still running: idler, pre-warmer, scaler loop (max_inactivity 0s)\n"…".
func TestHealthzEndedTermOffAtZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Liveness.MaxInactivity = 0
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		l.p.hang.Store(true)
		stop := l.act()
		time.Sleep(time.Minute)
		l.loseLease(stop)
		l.stays(2*time.Hour, "a follower whose ended term hangs, max_inactivity 0")
	})
}

// TestHealthzAfterACleanEnd: a term whose Act returns promptly once its
// ctx ends leaves nothing behind: the follower stays live, and a term
// that starts after it is checked from its own start, not failed by the
// end of the one before.
//
// Seen failing with Act's end not forgetting the term (mutation: the
// returned term left among those running): "following after a clean end:
// /healthz 503 "stalled: the term ended 11m ago and has not returned
// (max_inactivity 10m)\n", want 200 OK".
func TestHealthzAfterACleanEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		stop := l.act()
		l.stays(30*time.Minute, "first term")
		l.loseLease(stop)
		synctest.Wait()
		if n := l.ctl.live.acts(); n != 0 {
			t.Fatalf("%d Acts running after a clean end, want 0", n)
		}
		l.stays(time.Hour, "following after a clean end")
		l.leading.Store(true)
		l.act()
		l.stays(time.Hour, "a new term after a clean end")
	})
}

// TestHungTerm is the pure check: a term counts once its ctx has ended,
// and fails once that was more than maxInactivity ago.
func TestHungTerm(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		ended   time.Time
		running []string
		want    string
	}{
		{"not ended", time.Time{}, []string{"scaler loop"}, ""},
		{"ended within the bound", now.Add(-9 * time.Minute), []string{"scaler loop"}, ""},
		{"ended exactly the bound ago", now.Add(-10 * time.Minute), []string{"scaler loop"}, ""},
		{"ended past the bound", now.Add(-10*time.Minute - 1500*time.Millisecond), []string{"idler", "scaler loop"},
			"stalled: the term ended 10m2s ago and has not returned; still running: idler, scaler loop (max_inactivity 10m)"},
		{"no part named", now.Add(-time.Hour), nil,
			"stalled: the term ended 1h ago and has not returned (max_inactivity 10m)"},
		{"ended in the future (a clock step back)", now.Add(time.Hour), []string{"idler"}, ""},
	} {
		if got := hungTerm(now, 10*time.Minute, c.ended, c.running); got != c.want {
			t.Errorf("%s: hungTerm = %q, want %q", c.name, got, c.want)
		}
	}
}

package idler

import (
	"strings"
	"testing"
	"time"
)

// TestUncoveredAfterTheStartIsNotAWarning: a controller that has just
// started (the embedded source's first scrapes, a Prometheus deployed with
// it) has not observed the gateway for a keep-alive's window yet. That is
// expected, and was a WARN on every start ("no function idled for this
// keep-alive: activity unknown … scraped for only part of the last 1m0s").
// It is INFO within the window after the start; coverage still missing once
// the window has passed since the start is the WARN it always was.
func TestUncoveredAfterTheStartIsNotAWarning(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	start := time.Now()
	e := newEnv(t, Config{}, function("a", 1, old, optIn(LabelZeroDuration, "1m")))
	e.src.since = start
	e.d.mu.Lock()
	e.d.runStarted = start // as Run does
	e.d.mu.Unlock()
	for _, at := range []time.Duration{10 * time.Second, 40 * time.Second} {
		if v := verdictOf(e.d.RunOnce(t.Context(), start.Add(at)), ref("a")); v.Code != CodeMissingData {
			t.Fatalf("%s after the start: %s (%s), want missing_data", at, v.Code, v.Reason)
		}
	}
	logs := e.log.String()
	if strings.Contains(logs, "level=WARN") || strings.Count(logs, `level=INFO msg="no function idled yet for this keep-alive`) != 1 {
		t.Fatalf("within the window after the start, want one INFO and no WARN:\n%s", logs)
	}
	// The source loses its history (a restarted Prometheus): still not
	// covered two windows after the start, which is a WARN, once.
	e.src.since = start.Add(110 * time.Second)
	for _, at := range []time.Duration{2 * time.Minute, 150 * time.Second} {
		e.d.RunOnce(t.Context(), start.Add(at))
	}
	if n := strings.Count(e.log.String(), `level=WARN msg="no function idled for this keep-alive: activity unknown"`); n != 1 {
		t.Errorf("not covered long after the start: %d WARNs, want 1:\n%s", n, e.log.String())
	}
}

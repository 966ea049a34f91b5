package main

import (
	"bytes"
	"log/slog"
	"runtime/debug"
	"strings"
	"testing"
)

// TestRunSetsTheCollectorsTarget: --gc-percent sets the collector's target
// unless the GOGC variable is set or the flag is 0. (The target is
// process-wide: each case restores it.)
func TestRunSetsTheCollectorsTarget(t *testing.T) {
	for _, tc := range []struct {
		name    string
		percent int
		envSet  bool
		want    int // the target after, from a start of 100
		log     string
	}{
		{"the default", DefaultGCPercent, false, DefaultGCPercent, "--gc-percent"},
		{"another value", 200, false, 200, "percent=200"},
		{"GOGC wins", DefaultGCPercent, true, 100, "GOGC variable is set"},
		{"off", 0, false, 100, "runtime's default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := debug.SetGCPercent(100)
			defer debug.SetGCPercent(prev)
			var logs bytes.Buffer
			setGCPercent(tc.percent, tc.envSet, slog.New(slog.NewTextHandler(&logs, nil)))
			if got := debug.SetGCPercent(100); got != tc.want {
				t.Errorf("gc percent %d, want %d", got, tc.want)
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("log %q does not say %q", logs.String(), tc.log)
			}
		})
	}
}

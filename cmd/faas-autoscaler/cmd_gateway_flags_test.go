package main

import (
	"strings"
	"testing"
	"time"
)

// TestGatewayRefusesStrayArgument: every other subcommand (run, rules,
// alertmanager-config, dashboards, sim, sim-eval) refuses a positional
// argument with exit 2 ("unexpected argument"); `gateway` ignored it, so a
// typo that leaves a stray word ran the gateway as if nothing was wrong.
func TestGatewayRefusesStrayArgument(t *testing.T) {
	code, stderr := runBinary(t, 10*time.Second, "gateway", "--function", "a", "--listen", "127.0.0.1:0", "--duration", "1s", "extra")
	if code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("gateway with stray argument \"extra\": exit %d, want 2 naming it; stderr %q", code, stderr)
	}
}

// TestGatewayRefusesNegativeDurations: --duration is "stop after this
// long (0 = until SIGINT/SIGTERM)" and --cold-start "delay before a new
// replica is available"; a negative value is neither (`run --duration -1s`
// exits 2 too). --duration -1s used to run forever (killed here at the
// deadline) and --cold-start -5s to run and exit 0.
func TestGatewayRefusesNegativeDurations(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		flag string
	}{
		{"negative duration", []string{"--duration", "-1s"}, "--duration"},
		{"negative cold start", []string{"--cold-start", "-5s", "--duration", "1s"}, "--cold-start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"gateway", "--function", "a", "--listen", "127.0.0.1:0"}, tc.args...)
			code, stderr := runBinary(t, 6*time.Second, args...)
			if code != 2 || !strings.Contains(stderr, tc.flag) {
				t.Errorf("%v: exit %d (-1 = still running at the deadline), want 2 naming %s; stderr %q", tc.args, code, tc.flag, stderr)
			}
		})
	}
}

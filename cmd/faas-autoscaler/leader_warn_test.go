package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// leaderWarnings are the lines of logs that warn about leader-only flags.
func leaderWarnings(logs string) []string {
	var out []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "no --leader-elect") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestLeaderOnlyFlagsWithoutLeaderElectWarn: --leader-election-lease and
// --leader-election-namespace (or their variables) without --leader-elect
// were ignored in silence: an operator who named the Lease but forgot
// --leader-elect ran two leaders without a word. The start now warns,
// naming each such flag (and the variable it came from); it does not
// refuse, since a chart may set the variables for every install.
func TestLeaderOnlyFlagsWithoutLeaderElectWarn(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string // in the one warning; none = no warning
	}{
		{"flag", []string{"--leader-election-lease", "team-a"}, nil, []string{"--leader-election-lease"}},
		{"variables", nil, map[string]string{"leader_election_namespace": "openfaas", "leader_election_lease": "team-a"},
			[]string{"--leader-election-lease (environment variable leader_election_lease)",
				"--leader-election-namespace (environment variable leader_election_namespace)"}},
		{"none given", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := append([]string{"run", "--provider", "memory", "--log-level", "warn",
				"--listen", "127.0.0.1:0", "--duration", "1ms"}, tc.args...)
			var out, errb bytes.Buffer
			if got := dispatch(args, &out, &errb); got != 0 {
				t.Fatalf("exit %d, want 0 (a warning, not a refusal); stderr:\n%s", got, errb.String())
			}
			lines := leaderWarnings(errb.String())
			if tc.want == nil {
				if len(lines) != 0 {
					t.Errorf("no leader-only flag given, yet warned: %q", lines)
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("%d warnings about leader-only flags, want 1; stderr:\n%s", len(lines), errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(lines[0], w) {
					t.Errorf("warning %q does not name %q", lines[0], w)
				}
			}
		})
	}
}

// TestLeaderOnlyFlagsWithLeaderElectQuiet: with --leader-elect the same
// flags are in use: no warning.
func TestLeaderOnlyFlagsWithLeaderElectQuiet(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	c := runConfig{LeaderElect: true}
	warnLeaderOnly(log, &c, map[string]bool{"leader-election-lease": true, "leader-election-namespace": true})
	if logs.Len() != 0 {
		t.Errorf("warned with --leader-elect on: %s", logs.String())
	}
	c.LeaderElect = false
	warnLeaderOnly(log, &c, map[string]bool{"leader-election-namespace": true})
	if lines := leaderWarnings(logs.String()); len(lines) != 1 || !strings.Contains(lines[0], "--leader-election-namespace") {
		t.Errorf("--leader-election-namespace without --leader-elect: warnings %q, want one naming it", lines)
	}
}

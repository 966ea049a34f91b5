package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// unreachableKubeconfig writes a kubeconfig for an API server that is not
// there: wiring reads it without connecting, so a start that gets past
// validation runs (and waits for the server) until --duration ends.
func unreachableKubeconfig(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "kubeconfig")
	const kc = `apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "https://127.0.0.1:1"}}
contexts:
- {name: x, context: {cluster: c, user: u}}
current-context: x
users:
- {name: u, user: {token: t}}
`
	if err := os.WriteFile(file, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestBadLeaderElectionFlagsRefused: a Lease name or namespace that the API
// server would refuse is a bad flag value: exit 2 naming the flag, before
// anything starts. They were found only at wiring, with exit 1 (a run-time
// failure, which a kubelet restarts forever), logged as "controller
// stopped" and blaming --leader-elect; an empty --leader-election-lease
// silently ran on the default name, so two Deployments meant to elect
// apart could share one Lease.
func TestBadLeaderElectionFlagsRefused(t *testing.T) {
	kc := unreachableKubeconfig(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"lease name", []string{"--leader-election-lease", "Faas_Autoscaler"},
			`--leader-election-lease "Faas_Autoscaler": a lowercase RFC 1123 subdomain`},
		{"empty lease name", []string{"--leader-election-lease", ""},
			"--leader-election-lease must not be empty"},
		{"namespace", []string{"--leader-election-namespace", "Open_FaaS"},
			`--leader-election-namespace "Open_FaaS": a lowercase RFC 1123 label`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--provider", "kubernetes", "--kubeconfig", kc,
				"--prometheus-url", "http://127.0.0.1:1", "--webhook-auth", "none", "--listen", "127.0.0.1:0",
				"--duration", "3s", "--leader-elect"}, tc.args...)
			code, stderr := runBinary(t, 20*time.Second, args...)
			if code != 2 || !strings.Contains(stderr, "invalid configuration") || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want 2 with %q; stderr:\n%s", code, tc.want, logTail(stderr))
			}
		})
	}
}

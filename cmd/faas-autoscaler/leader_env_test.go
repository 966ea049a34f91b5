package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestLeaderElectionLeaseFromEnvironment: --leader-election-lease reads
// leader_election_lease, as --leader-elect and --leader-election-namespace
// read theirs, so a chart can set all three the same way. It had no
// variable: a Deployment that set leader_election_lease elected on the
// default Lease, the one another controller may be electing on. The
// command line still wins, and an empty variable is no value (the default
// name), as every other variable of `run` reads.
func TestLeaderElectionLeaseFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"variable", nil, "team-a-autoscaler", "team-a-autoscaler"},
		{"flag wins", []string{"--leader-election-lease", "from-flag"}, "team-a-autoscaler", "from-flag"},
		{"empty variable", nil, "", "faas-autoscaler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c runConfig
			e := defineRunFlags(&c)
			getenv := func(k string) string {
				if k == "leader_election_lease" {
					return tc.env
				}
				return ""
			}
			if err := e.parse(tc.args, getenv); err != nil {
				t.Fatal(err)
			}
			if c.LeaseName != tc.want {
				t.Errorf("args %q, leader_election_lease=%q: lease %q, want %q", tc.args, tc.env, c.LeaseName, tc.want)
			}
		})
	}
}

// TestBadLeaderElectionLeaseVariableRefused: a Lease name from the
// variable that the API server would refuse exits 2 before anything
// starts, as the flag's does, and the message names the variable the
// operator set as well as the flag.
func TestBadLeaderElectionLeaseVariableRefused(t *testing.T) {
	t.Setenv("leader_election_lease", "Faas_Autoscaler")
	var out, errb bytes.Buffer
	args := []string{"run", "--provider", "kubernetes", "--prometheus-url", "http://127.0.0.1:1",
		"--webhook-auth", "none", "--listen", "127.0.0.1:0", "--leader-elect"}
	if got := dispatch(args, &out, &errb); got != 2 {
		t.Fatalf("leader_election_lease=Faas_Autoscaler: exit %d, want 2; stderr %q", got, errb.String())
	}
	want := `--leader-election-lease (environment variable leader_election_lease) "Faas_Autoscaler": a lowercase RFC 1123 subdomain`
	if !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q does not name %q", errb.String(), want)
	}
}

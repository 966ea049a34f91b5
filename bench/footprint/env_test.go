package footprint

import (
	"slices"
	"strings"
	"testing"
)

// The controller runs with the Go runtime settings the run names and no
// others: a GOMEMLIMIT or GOGC exported in the shell that started the
// bench (as `GOGC=75 go test …` for the Tick benchmarks) would pace the
// collector of a run logged as without one, and lower its RSS unseen; an
// OpenFaaS-style variable (gateway_url, basic_auth) would bind a flag, as
// the e2e harness's clean environment guards against.
func TestControllerEnvIsOnlyWhatTheRunNames(t *testing.T) {
	shell := []string{"PATH=/usr/bin:/bin", "HOME=/root", "GOMEMLIMIT=40MiB", "GOGC=50", "GODEBUG=madvdontneed=1", "gateway_url=http://elsewhere:8080"}
	none := func(string) string { return "" }
	env := controllerEnv(shell, none)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name != "PATH" && name != "HOME" {
			t.Errorf("the controller inherits %s from the harness (env %q)", kv, env)
		}
	}
	if !slices.Contains(env, "PATH=/usr/bin:/bin") || !slices.Contains(env, "HOME=/root") {
		t.Errorf("env %q lacks PATH or HOME", env)
	}
	named := map[string]string{"FOOTPRINT_GOMEMLIMIT": "230MiB", "FOOTPRINT_GOGC": "75"}
	env = controllerEnv(shell, func(k string) string { return named[k] })
	got := map[string][]string{}
	for _, kv := range env {
		name, v, _ := strings.Cut(kv, "=")
		got[name] = append(got[name], v)
	}
	if !slices.Equal(got["GOMEMLIMIT"], []string{"230MiB"}) || !slices.Equal(got["GOGC"], []string{"75"}) {
		t.Errorf("env %q: want GOMEMLIMIT=230MiB and GOGC=75 once each", env)
	}
}

package footprint

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
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

// The called fleet's knobs are refused, naming the variable, unless they
// are what the controller accepts (a positive duration, a load pattern, a
// scrape interval of at least 1s), and the configuration written from them
// is one the controller parses to the values given, the rest default.
func TestCalledFleetSettings(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, kv := range [][]string{
		{"FOOTPRINT_LEARN_STEP", "15"}, {"FOOTPRINT_LEARN_STEP", "0s"}, {"FOOTPRINT_LEARN_STEP", "-1s"},
		{"FOOTPRINT_PROMETHEUS_TIMEOUT", "soon"}, {"FOOTPRINT_PROMETHEUS_TIMEOUT", "0"},
		{"FOOTPRINT_KEEPALIVE_READ_TIMEOUT", "15"}, {"FOOTPRINT_KEEPALIVE_READ_TIMEOUT", "0s"}, {"FOOTPRINT_KEEPALIVE_READ_TIMEOUT", "-15s"},
		{"FOOTPRINT_SCRAPE_INTERVAL", "500ms"}, {"FOOTPRINT_LOAD", "fast"},
	} {
		_, err := parseCalled(env(kv...))
		if err == nil || !strings.HasPrefix(err.Error(), kv[0]+"=") {
			t.Errorf("%s=%q: error %v, want one naming the variable", kv[0], kv[1], err)
		}
	}

	c, err := parseCalled(env())
	if err != nil || c != (called{scrape: 5 * time.Second}) || c.configYAML() != "" {
		t.Errorf("no knob set: %+v, %v, config %q; want the defaults and no config", c, err, c.configYAML())
	}
	// keep_alive.read_timeout alone, and beside learn_step in the same
	// section (two keep_alive sections would be a duplicate key).
	for _, tc := range []struct {
		env                           []string
		learnStep, timeout, readAfter time.Duration
	}{
		{[]string{"FOOTPRINT_LEARN_STEP", "30s", "FOOTPRINT_PROMETHEUS_TIMEOUT", "12s", "FOOTPRINT_SCRAPE_INTERVAL", "10s"}, 30 * time.Second, 12 * time.Second, 0},
		{[]string{"FOOTPRINT_KEEPALIVE_READ_TIMEOUT", "40s", "FOOTPRINT_SCRAPE_INTERVAL", "10s"}, 0, 0, 40 * time.Second},
		{[]string{"FOOTPRINT_LEARN_STEP", "30s", "FOOTPRINT_KEEPALIVE_READ_TIMEOUT", "1m", "FOOTPRINT_PROMETHEUS_TIMEOUT", "12s", "FOOTPRINT_SCRAPE_INTERVAL", "10s"},
			30 * time.Second, 12 * time.Second, time.Minute},
	} {
		c, err := parseCalled(env(tc.env...))
		if err != nil || c.scrape != 10*time.Second {
			t.Fatalf("%q: parseCalled = %+v, %v; want the scrape interval 10s", tc.env, c, err)
		}
		cfg, err := config.Parse("config.yaml", []byte(c.configYAML()))
		want := config.Default()
		if tc.learnStep != 0 {
			want.KeepAlive.LearnStep = tc.learnStep
		}
		if tc.timeout != 0 {
			want.Prometheus.Timeout = tc.timeout
		}
		if tc.readAfter != 0 {
			want.KeepAlive.ReadTimeout = tc.readAfter
		}
		if err != nil || !reflect.DeepEqual(cfg, want) {
			t.Errorf("%q: config %q parses to %+v, %v; want the defaults with the values given", tc.env, c.configYAML(), cfg, err)
		}
	}
}

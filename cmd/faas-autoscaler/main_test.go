package main

import (
	"bytes"
	"flag"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// binary is the controller built once for the tests that run it as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faas-autoscaler-cmd")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "faas-autoscaler")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestEmbeddedDefaultShowsDecisions is `make run`: the binary with no
// provider runs the embedded default, prints scaling decisions with their
// reasons, and exits 0 when --duration ends.
func TestEmbeddedDefaultShowsDecisions(t *testing.T) {
	cmd := exec.Command(binary, "run", "--duration", "9s", "--listen", "127.0.0.1:0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	scale := regexp.MustCompile(`(?m)^\s*[\d.]+s\s+scale\s+\S+\s+\d+ → \d+\s+scaler \[[a-z_]+\] .+`)
	if !scale.MatchString(out) {
		t.Errorf("no scaling decision with a reason printed:\n%s", out)
	}
	if !strings.Contains(out, "summary after") {
		t.Errorf("no summary at the end:\n%s", out)
	}
	if strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", stderr.String())
	}
}

func TestDispatch(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{"version", []string{"version"}, 0, "faas-autoscaler", ""},
		{"help", []string{"help"}, 0, "commands:", ""},
		{"no command", nil, 2, "", "usage:"},
		{"unknown command", []string{"scale"}, 2, "", `unknown command "scale"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if got := dispatch(c.args, &out, &errb); got != c.code {
				t.Errorf("exit = %d, want %d (stderr %q)", got, c.code, errb.String())
			}
			if !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
				t.Errorf("stdout %q want %q; stderr %q want %q", out.String(), c.out, errb.String(), c.err)
			}
		})
	}
}

// TestBadConfigurationNamesTheFlag: every refused setting exits 2 with a
// message naming the flag (or the environment variable) at fault.
func TestBadConfigurationNamesTheFlag(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown provider", []string{"--provider", "nomad"}, nil, `--provider "nomad"`},
		{"openfaas without gateway", []string{"--provider", "openfaas", "--prometheus-url", "http://p:9090"}, nil, "--gateway-url is required"},
		{"gateway url not http", []string{"--gateway-url", "gateway:8080", "--prometheus-url", "http://p:9090"}, nil, `--gateway-url "gateway:8080"`},
		{"openfaas without prometheus", []string{"--gateway-url", "http://gw:8080"}, nil, "--prometheus-url is required"},
		{"log format", []string{"--log-format", "xml"}, nil, `--log-format "xml"`},
		{"log level", []string{"--log-level", "loud"}, nil, `--log-level "loud"`},
		{"interval too short", []string{"--interval", "1ms"}, nil, "flag --interval: scaler.interval"},
		{"burst above stable", []string{"--burst-window", "2m"}, nil, "flag --burst-window: scaler.burst_window"},
		{"webhook auth", []string{"--webhook-auth", "token"}, nil, `--webhook-auth "token"`},
		// Listed twice, every function of it was decided twice a pass (two
		// proposals, the second dropped as changed, explained as overruled).
		{"namespace twice", []string{"--gateway-url", "http://gw:8080", "--prometheus-url", "http://p:9090", "--namespaces", "a, b,a"}, nil, `namespace "a" is given twice`},
		// Commas only: no namespace, read as "every namespace" (found by a
		// review; seen failing: exit = 0 ... want 2).
		{"namespaces of commas only", []string{"--gateway-url", "http://gw:8080", "--prometheus-url", "http://p:9090", "--namespaces", " , "}, nil, `no namespace in " , "`},
		{"bearer without token", []string{"--webhook-auth", "bearer"}, nil, "--webhook-token-file is required"},
		{"webhook body limit too small", []string{"--webhook-max-body-bytes", "100"}, nil, "--webhook-max-body-bytes 100: want 1024 to 67108864 bytes"},
		{"webhook body limit zero", nil, map[string]string{"webhook_max_body_bytes": "0"}, "--webhook-max-body-bytes 0: want 1024 to 67108864 bytes"},
		{"webhook body limit too large", []string{"--webhook-max-body-bytes", "1000000000"}, nil, "--webhook-max-body-bytes 1000000000: want 1024 to 67108864 bytes"},
		{"webhook body limit with a unit", []string{"--webhook-max-body-bytes", "2MiB"}, nil, "-webhook-max-body-bytes"},
		{"leader election off kubernetes", []string{"--leader-elect"}, nil, "--leader-elect needs --provider kubernetes"},
		{"defaults", []string{"--default-min", "30"}, nil, "flag --default-min: defaults.min"},
		{"config file missing", []string{"--config", "/nonexistent/config.yaml"}, nil, "/nonexistent/config.yaml"},
		{"bad duration", []string{"--interval", "soon"}, nil, "-interval"},
		{"bad env", nil, map[string]string{"scale_interval": "soon"}, "scale_interval"},
		{"stray argument", []string{"now"}, nil, `unexpected argument "now"`},
		{"debug listen without port", []string{"--debug-listen", "localhost"}, nil, `--debug-listen "localhost"`},
		{"memory limit ratio above 1", []string{"--memory-limit-ratio", "90"}, nil, "--memory-limit-ratio 90"},
		{"memory limit ratio negative", nil, map[string]string{"memory_limit_ratio": "-0.5"}, "--memory-limit-ratio -0.5"},
		{"memory limit ratio not a number", []string{"--memory-limit-ratio", "NaN"}, nil, "--memory-limit-ratio NaN"},
		{"gc percent too low", []string{"--gc-percent", "5"}, nil, "--gc-percent 5"},
		{"gc percent negative", nil, map[string]string{"gc_percent": "-1"}, "--gc-percent -1"},
		{"gc percent not a number", []string{"--gc-percent", "half"}, nil, "-gc-percent"},
		{"debug listen on the public address", []string{"--listen", ":9000", "--debug-listen", ":9000"}, nil, "must differ from --listen"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var out, errb bytes.Buffer
			if got := dispatch(append([]string{"run"}, c.args...), &out, &errb); got != 2 {
				t.Fatalf("exit = %d, want 2; stderr %q", got, errb.String())
			}
			if !strings.Contains(errb.String(), c.want) {
				t.Errorf("stderr %q does not name %q", errb.String(), c.want)
			}
		})
	}
}

func TestEnvironmentFillsUnsetFlags(t *testing.T) {
	var c runConfig
	e := defineRunFlags(&c)
	env := map[string]string{"gateway_url": "http://gw:8080/", "basic_auth": "false", "function_namespace": "fn", "scale_interval": "3s"}
	if err := e.parse([]string{"--interval", "7s"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.GatewayURL != "http://gw:8080/" || c.BasicAuth || c.DefaultNamespace != "fn" {
		t.Errorf("env not applied: %+v", c)
	}
	tuning, _, err := c.loadTuning(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if tuning.Scaler.Interval.String() != "7s" {
		t.Errorf("interval = %v: the command line must win over scale_interval", tuning.Scaler.Interval)
	}
	if c.mode() != "openfaas" {
		t.Errorf("mode = %q, want openfaas when only a gateway URL is set", c.mode())
	}
}

// TestReadmeMatchesFlags keeps the README's flag table and the binary in
// step: every flag of `run` has a row, every row names a real flag, and the
// environment variable in a row is the one the flag reads.
func TestReadmeMatchesFlags(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var c runConfig
	e := defineRunFlags(&c)
	row := regexp.MustCompile("(?m)^\\| `--([a-z0-9-]+)` \\|([^|]*)\\|")
	rows := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		rows[m[1]] = strings.Trim(strings.TrimSpace(m[2]), "`")
	}
	if len(rows) == 0 {
		t.Fatal("no flag rows found in README.md")
	}
	for name, env := range rows {
		if e.fs.Lookup(name) == nil {
			t.Errorf("README lists --%s, which `run` does not have", name)
			continue
		}
		if env != e.env[name] {
			t.Errorf("README says --%s reads env %q; the flag reads %q", name, env, e.env[name])
		}
	}
	for name := range e.env {
		if _, ok := rows[name]; !ok {
			t.Errorf("flag --%s (env %s) has no row in README.md", name, e.env[name])
		}
	}
	e.fs.VisitAll(func(f *flag.Flag) {
		if _, ok := rows[f.Name]; !ok {
			t.Errorf("flag --%s has no row in README.md", f.Name)
		}
	})
}

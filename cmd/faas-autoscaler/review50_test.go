package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
)

// TestReview50RulesLongWindowFinishes: `rules --window` has no upper bound,
// and the capacity record's PreviousScrapeGap writes one `or` term per half
// scrape interval of the window, concatenated one string at a time
// (quadratic). At the default 5 s scrape a 1h window already takes about
// 2 s and renders a 375 KB file with a 143,000-character expression; a
// 12h window never finishes (minutes of CPU, tens of MB). A flag value the
// command accepts must render promptly, or be refused naming --window.
//
// Seen failing: the process is still running at the deadline.
func TestReview50RulesLongWindowFinishes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "rules", "--window", "12h")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("rules --window 12h did not finish within 15 s (%d bytes written so far): the window's `or` terms grow without bound", stdout.Len())
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		if stdout.Len() > 4<<20 {
			t.Errorf("rules --window 12h wrote %d bytes of rules", stdout.Len())
		}
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		if !strings.Contains(stderr.String(), "--window") {
			t.Errorf("refused without naming --window: %s", stderr.String())
		}
	default:
		t.Errorf("rules --window 12h: %v\n%s", err, stderr.String())
	}
}

// review50Run runs the binary with args and returns its exit code and stderr.
func review50Run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stderr.String()
	}
	t.Fatalf("%v: %v", args, err)
	return 0, ""
}

// TestReview50RunDefaultNamespaceInvalid: --default-namespace is checked
// only for being empty. A namespace the webhook (and the OpenFaaS
// provider) refuse, such as "a b", passes Validate and fails at wiring:
// exit 1 with `level=ERROR msg="controller stopped" err="webhook: alerts:
// default namespace \"a b\" ..."`, a run-time failure that names no flag.
// README: a bad value exits with status 2 and names the flag.
//
// Seen failing: exit 1, stderr without "--default-namespace".
func TestReview50RunDefaultNamespaceInvalid(t *testing.T) {
	code, stderr := review50Run(t, "run", "--default-namespace", "a b", "--listen", "127.0.0.1:0", "--duration", "2s")
	if code != 2 || !strings.Contains(stderr, "--default-namespace") {
		t.Errorf("run --default-namespace \"a b\": exit %d, want 2 naming --default-namespace; stderr:\n%s", code, stderr)
	}
}

// TestReview50RunGatewayURLRefusedAtStart: runConfig.Validate checks only
// the scheme and a non-empty host of --gateway-url. A URL with credentials
// or a query is refused later by openfaas.New, at wiring: exit 1 and an
// ERROR "controller stopped" naming no flag (the kubelet restarts it for
// ever). A port out of range is not refused at all: the controller starts
// and every call to the gateway fails.
//
// Seen failing: credentials and query exit 1 without "--gateway-url"; the
// port 99999 runs and exits 0.
func TestReview50RunGatewayURLRefusedAtStart(t *testing.T) {
	for _, u := range []string{
		"http://admin:secret@127.0.0.1:1",
		"http://127.0.0.1:1/?debug=1",
		"http://127.0.0.1:99999",
	} {
		t.Run(u, func(t *testing.T) {
			code, stderr := review50Run(t, "run", "--provider", "openfaas", "--gateway-url", u,
				"--prometheus-url", "http://127.0.0.1:1", "--basic-auth=false", "--webhook-auth", "none",
				"--listen", "127.0.0.1:0", "--duration", "1s")
			if code != 2 || !strings.Contains(stderr, "--gateway-url") {
				t.Errorf("exit %d, want 2 naming --gateway-url; stderr:\n%s", code, stderr)
			}
		})
	}
}

// TestReview50SimWriteTraceOverInput: --write-trace naming the --trace
// folder itself is not refused. The trace written is the sampled one
// (--sample), so the input's invocations.csv is replaced by the sample,
// and durations.csv and memory.csv are created beside it: the input data
// is lost without a word, exit 0. checkPaths refuses outputs that clash
// with each other, not with the input.
//
// Seen failing: exit 0, invocations.csv holds one function of two.
func TestReview50SimWriteTraceOverInput(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "invocations.csv")
	const orig = "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no1,a1,f1,http,1,2,3\no1,a1,f2,http,4,5,6\n"
	if err := os.WriteFile(inv, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := simCmd([]string{"--trace", dir, "--sample", "1", "--write-trace", dir,
		"--policies", "fixed-10m", "--progress", "never"}, &stdout, &stderr)
	got, _ := os.ReadFile(inv)
	if string(got) != orig {
		t.Errorf("the input trace was overwritten (exit %d):\n%s", code, got)
	}
	if code != 2 || !strings.Contains(stderr.String(), "--write-trace") {
		t.Errorf("exit %d, want 2 naming --write-trace; stderr:\n%s", code, stderr.String())
	}
}

// TestReview50DashboardsPrometheusURL: checkProvisioningFlags takes any
// http(s) URL with a host. Credentials in it are written in clear into the
// provisioned data source's url (Grafana shows it to every editor; the
// other generators refuse them: alertmanager-config "put credentials in the
// password file", the OpenFaaS gateway URL), and a query or fragment is
// written too, where Grafana appends /api/v1/... to the path.
//
// Seen failing: exit 0, datasources/prometheus.yaml holds
// "url: http://admin:secret@prom:9090".
func TestReview50DashboardsPrometheusURL(t *testing.T) {
	for _, u := range []string{"http://admin:secret@prom:9090", "http://prom:9090/?x=1", "http://prom:9090/#f"} {
		t.Run(u, func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := dashboardsCmd([]string{"--provisioning-dir", dir, "--prometheus-url", u}, &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), "--prometheus-url") {
				ds, _ := os.ReadFile(filepath.Join(dir, "datasources", "prometheus.yaml"))
				t.Errorf("exit %d, want 2 naming --prometheus-url; stderr %q; data source written:\n%s", code, stderr.String(), ds)
			}
		})
	}
}

// TestReview50AlertmanagerControllerURL: the controller URL is checked for
// a scheme and a non-empty Host, but Host ":8080" (no host name) passes,
// and so does a port out of range. AlertManager loads either (it checks
// the same two things) and then posts every alert to its own localhost, or
// fails every delivery with "invalid port": the controller is never woken.
//
// Seen failing: exit 0 and a receiver with that URL.
func TestReview50AlertmanagerControllerURL(t *testing.T) {
	for _, u := range []string{"http://:8080", "http://faas-autoscaler.openfaas:99999"} {
		t.Run(u, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := alertmanagerConfigCmd([]string{"--controller-url", u}, &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), "--controller-url") {
				t.Errorf("exit %d, want 2 naming --controller-url; stderr %q", code, stderr.String())
			}
		})
	}
}

// TestReview50SimPolicyTwice: --policies takes a policy named twice
// (fixed-10m,fixed-10m, or fixed-10m,fixed-600s, which names itself
// fixed-10m) and replays it twice: the run costs double (hours on a
// dataset day) and the table, CSV, JSON and chart carry two rows of one
// name. Elsewhere a list item given twice is refused (--namespaces,
// rules --types, gateway --function).
//
// Seen failing: no error.
func TestReview50SimPolicyTwice(t *testing.T) {
	for _, p := range []string{"fixed-10m,fixed-10m", "fixed-10m,fixed-600s"} {
		t.Run(p, func(t *testing.T) {
			_, err := parseSimFlags([]string{"--trace", "synth:bursty", "--policies", p}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), "--policies") {
				t.Errorf("--policies %s: err = %v, want a refusal naming --policies", p, err)
			}
		})
	}
}

// TestReview50GatewayLoadPeriodOverflow: `gateway --load` takes phases of
// any positive length, and Pattern.Period sums them as a time.Duration. Two
// phases that together pass 292 years (1h@200,2562047h@200) wrap the sum
// negative, and RateAt and Arrivals then answer 0 at every instant: the
// gateway starts, exit 0, and no function is ever called, though every
// phase asks for 200 rps. The pattern must be refused (exit 2 naming
// --load) or served as given. gatewayCmd reads --load with ParsePattern.
//
// Seen failing: no error, and a rate of 0 where 200 was asked.
func TestReview50GatewayLoadPeriodOverflow(t *testing.T) {
	const load = "1h@200,2562047h@200"
	p, err := gatewaysim.ParsePattern(load)
	if err != nil {
		return // refused: gatewayCmd exits 2 naming --load
	}
	if r, n := p.RateAt(time.Second), p.Arrivals(10*time.Second); r != 200 || n < 1000 {
		t.Errorf("--load %s: accepted, rate at 1 s %g and %g arrivals in 10 s, want 200 rps (period %s)", load, r, n, p.Period())
	}
}

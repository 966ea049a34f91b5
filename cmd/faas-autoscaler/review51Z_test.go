package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// review51ZStart runs the binary with `run args… --listen fd:3` and waits
// for /readyz; it returns the address, the command and its combined output.
func review51ZStart(t *testing.T, args ...string) (string, *exec.Cmd, *teststack.SyncBuffer) {
	t.Helper()
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, append(append([]string{"run"}, args...), "--listen", "fd:3")...)
	cmd.ExtraFiles = []*os.File{lnFile}
	logs := &teststack.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if err := teststack.WaitOK("http://"+addr+"/readyz", 20*time.Second, nil); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	return addr, cmd, logs
}

// review51ZWait waits for cmd to end, at most d; it returns the exit code
// (-1 when it had not ended).
func review51ZWait(cmd *exec.Cmd, d time.Duration) int {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			return -2
		}
		return 0
	case <-time.After(d):
		return -1
	}
}

func review51ZWaitFor(logs *teststack.SyncBuffer, s string, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(logs.String(), s) {
			return true
		}
	}
	return false
}

const review51ZAlert = `{"receiver":"scaler","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"FunctionLoadAboveTarget","function_name":"figlet.openfaas-fn"},"annotations":{},"startsAt":"2026-11-26T14:55:36Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1"}],"version":"4"}`

// review51ZHalfSent opens a webhook request and sends half its body.
func review51ZHalfSent(t *testing.T, addr string) (net.Conn, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body := review51ZAlert
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /system/alert HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:half])
	return conn, body[half:]
}

// TestReview51ZSIGTERMAnswersTheInFlightWebhook (pin): a webhook request
// whose body is still arriving when SIGTERM comes is answered (the drain
// waits for it; the loop has stopped, so 503 with Retry-After, or 200),
// and the process then exits 0.
func TestReview51ZSIGTERMAnswersTheInFlightWebhook(t *testing.T) {
	addr, cmd, logs := review51ZStart(t, "--log-level", "info", "--duration", "60s")
	conn, rest := review51ZHalfSent(t, addr)
	time.Sleep(300 * time.Millisecond) // the handler is reading the body
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if !review51ZWaitFor(logs, "shutting down", 5*time.Second) {
		t.Fatalf("no shutdown logged after SIGTERM:\n%s", logTail(logs.String()))
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := io.WriteString(conn, rest); err != nil {
		t.Fatalf("the in-flight webhook's connection was cut at SIGTERM: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight webhook got no answer during the drain: %v\n%s", err, logTail(logs.String()))
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusOK {
		t.Errorf("in-flight webhook during the drain: %d %s, want 503 (loop stopped) or 200", resp.StatusCode, b)
	}
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
		t.Errorf("503 during the drain without Retry-After: %s", b)
	}
	if code := review51ZWait(cmd, 10*time.Second); code != 0 {
		t.Errorf("exit %d after one SIGTERM, want 0\n%s", code, logTail(logs.String()))
	}
}

// TestReview51ZDeprecatedVariableOutOfRangeNamesTheVariable: a deprecated
// tuning flag's environment variable with a value out of range
// (scale_interval=50ms in a manifest, no flag on the command line) is
// refused with "flag --interval: scaler.interval: must be at least
// 100ms", naming a flag the operator never gave and not the variable they
// set. Everywhere else a value from a variable names it (a parse error:
// "environment variable scale_interval=… (for --interval)"; the Lease:
// runConfig.flagSource; warnOverridden: "--interval (or its environment
// variable scale_interval)"). Expected: the message names scale_interval.
// Cause: config.LoadOverNoting's origin (config/load.go) only knows
// "flag --<name>", and runCmd (config.go loadTuning) does not pass
// e.fromEnv through.
func TestReview51ZDeprecatedVariableOutOfRangeNamesTheVariable(t *testing.T) {
	for _, c := range []struct{ env, value, flag string }{
		{"scale_interval", "50ms", "--interval"},
		{"default_target", "-1", "--default-target"},
	} {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			var out, errb bytes.Buffer
			if got := dispatch([]string{"run", "--duration", "1s", "--listen", "127.0.0.1:0"}, &out, &errb); got != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", got, errb.String())
			}
			if !strings.Contains(errb.String(), c.env) {
				t.Errorf("%s=%s (no flag given) is refused without naming the variable:\n%s", c.env, c.value, errb.String())
			}
		})
	}
}

// TestReview51ZNamespacesGivenTwiceLosesTheFirst: `--namespaces a
// --namespaces b` manages only b: stringList.Set (flags.go) starts the list
// afresh on every occurrence, so the first namespace's functions are
// silently never scaled or idled (the actuator "never writes outside
// them"). The same Set refuses a namespace given twice within one value
// (`--namespaces a,a`), so a repeated flag is clearly meant to be checked;
// expected: both namespaces are kept (as list flags of kubectl do), or the
// repetition is refused naming the flag, never a silent drop.
func TestReview51ZNamespacesGivenTwiceLosesTheFirst(t *testing.T) {
	var c runConfig
	e := defineRunFlags(&c)
	e.fs.SetOutput(io.Discard)
	err := e.parse([]string{"--namespaces", "team-a", "--namespaces", "team-b"}, func(string) string { return "" })
	if err != nil {
		return // refused: fine
	}
	if !slices.Contains(c.Namespaces, "team-a") {
		t.Errorf("--namespaces team-a --namespaces team-b manages %v: team-a dropped without a word", []string(c.Namespaces))
	}
}

// TestReview51ZDryRunOnTheEmbeddedDefault (pin): --dry-run on the embedded
// default decides (the demo's env function wants more replicas within
// seconds) but never writes: every intent is dry_run, none applied, and
// the explain API shows the replicas unchanged.
func TestReview51ZDryRunOnTheEmbeddedDefault(t *testing.T) {
	addr, cmd, logs := review51ZStart(t, "--dry-run", "--duration", "60s")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var metrics string
	for ctx.Err() == nil {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			metrics = string(b)
			if strings.Contains(metrics, `faas_autoscaler_actuator_intents_total{code="dry_run",component="scaler"} `) &&
				!strings.Contains(metrics, `faas_autoscaler_actuator_intents_total{code="dry_run",component="scaler"} 0`) {
				break
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	if ctx.Err() != nil {
		t.Fatalf("no dry_run intent within 20 s of the demo\n%s", logTail(logs.String()))
	}
	for _, comp := range []string{"scaler", "idler", "restore", "prewarm"} {
		if !strings.Contains(metrics, fmt.Sprintf(`faas_autoscaler_actuator_intents_total{code="applied",component=%q} 0`, comp)) {
			t.Errorf("--dry-run: an intent of the %s was applied", comp)
		}
	}
	resp, err := http.Get("http://" + addr + "/api/v1/functions/openfaas-fn/env")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"replicas": 1,`) {
		t.Errorf("--dry-run: env's replicas changed:\n%s", b)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if code := review51ZWait(cmd, 10*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
	if strings.Contains(logs.String(), " scale  ") {
		t.Errorf("--dry-run: the demo view printed a scale call:\n%s", logs.String())
	}
}

// TestReview51ZDemoBannerCallsAFlagsTimingTheDemos: the embedded default's
// first line says where its timings come from (README: "starts from demo
// timings (`scaler.interval 2s`, …) and prints them"; the line was fixed
// once to name a --config file, TestREADMEDemoBannerNamesTheConfigFile).
// A deprecated tuning flag, or its variable (scale_interval=4s), still
// reads as a demo timing: `run --interval 4s` prints "embedded default:
// demo timings: scaler.interval 4s, … (set in --config to change)" — 4s
// is not the demo's (2s), and setting it in --config changes nothing,
// since the flag beats the file. With a file too, the line credits the
// flag's value to the file ("timings of c.yaml over the demo's:
// scaler.interval 4s"). Expected: the line names the flag (or variable)
// whose value it shows. Cause: embedded.go wireEmbedded's banner knows
// only p.cfg.ConfigFile, not which keys the deprecated flags set.
func TestReview51ZDemoBannerCallsAFlagsTimingTheDemos(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  string
	}{
		{"flag", []string{"--interval", "4s"}, ""},
		{"variable", nil, "scale_interval=4s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(binary, append([]string{"run", "--duration", "1s", "--listen", "127.0.0.1:0"}, c.args...)...)
			cmd.Env = os.Environ()
			if c.env != "" {
				cmd.Env = append(cmd.Env, c.env)
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			first, _, _ := strings.Cut(stdout.String(), "\n")
			if !strings.Contains(first, "scaler.interval 4s") {
				t.Fatalf("first line %q does not show the interval in force, 4s", first)
			}
			if !strings.Contains(first, "--interval") && !strings.Contains(first, "scale_interval") {
				t.Errorf("first line calls the flag's interval a demo timing and says to change it in --config (where the flag would beat it):\n%s", first)
			}
		})
	}
}

package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
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

// TestGatewayRefusesBadLoadAndStep: --load is a load pattern every
// function gets (duration@rps,…) and --step the simulation's tick; a value
// that is neither exits 2 naming the flag before anything is deployed,
// rather than running a fleet without the load asked for.
func TestGatewayRefusesBadLoadAndStep(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--load", "20s"}, "--load"},
		{[]string{"--load", "20s@-1"}, "--load"},
		{[]string{"--load", "-5s@1"}, "--load"},
		{[]string{"--load", ","}, "--load"},
		{[]string{"--step", "0s"}, "--step"},
		{[]string{"--step", "-1s"}, "--step"},
	} {
		args := append([]string{"gateway", "--function", "a", "--listen", "127.0.0.1:0", "--duration", "1s"}, tc.args...)
		code, stderr := runBinary(t, 6*time.Second, args...)
		if code != 2 || !strings.Contains(stderr, tc.flag) {
			t.Errorf("%v: exit %d, want 2 naming %s; stderr %q", tc.args, code, tc.flag, stderr)
		}
	}
}

// TestGatewayLoadCallsEveryFunction: --load 1s@5 with a 100 ms tick calls
// both functions from the start; their started counters are on /metrics.
func TestGatewayLoadCallsEveryFunction(t *testing.T) {
	addr, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "gateway", "--function", "a", "--function", "b", "--listen", addr,
		"--load", "1s@5", "--latency=false", "--duration", "15s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	if err := teststack.WaitOK("http://"+addr+"/metrics", 10*time.Second, ctx.Done()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		page := get(t, "http://"+addr+"/metrics")
		if strings.Contains(page, `gateway_function_invocation_started{function_name="a.openfaas-fn"}`) &&
			strings.Contains(page, `gateway_function_invocation_started{function_name="b.openfaas-fn"}`) {
			if strings.Contains(page, "gateway_functions_seconds") {
				t.Errorf("--latency=false: /metrics still has gateway_functions_seconds")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s of --load 1s@5 not both functions were called:\n%.2000s", page)
		}
		time.Sleep(200 * time.Millisecond) // polling a real process; no assertion on the time
	}
}

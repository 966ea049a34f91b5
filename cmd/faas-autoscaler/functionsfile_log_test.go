package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestFunctionsFileRunLogsWhatItDoes: `run --provider memory
// --functions-file F` has no demo view, yet it took the demo's --log-level
// error, so it printed nothing at all: not the start, not the functions it
// holds, not what it scaled. It logs at info now, as the other providers:
// the listening line naming the provider, a line naming the file and how
// many functions it deployed, and each scale action.
func TestFunctionsFileRunLogsWhatItDoes(t *testing.T) {
	fns := writeTemp(t, "functions", "fn-a:com.openfaas.scale.zero=true,com.openfaas.scale.zero-duration=2s\nfn-b\n")
	cfg := writeTemp(t, "config.yaml", "idler:\n  schedule: \"@every 1s\"\n")
	var stdout teststack.SyncBuffer
	_, logs := startRun(t, &stdout, "--provider", "memory", "--functions-file", fns, "--config", cfg, "--duration", "60s")
	// The source needs two 5 s scrapes before the idler acts.
	deadline := time.Now().Add(45 * time.Second)
	for !strings.Contains(logs.String(), "msg=scaled ") {
		if time.Now().After(deadline) {
			t.Fatalf("no scale action logged after 45 s (fn-a opted in to zero after 2s, idler every 1s); log:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	out := logs.String()
	for _, want := range []string{
		"msg=listening",
		"provider=memory",
		`msg="functions deployed from --functions-file" file=` + fns + " functions=2",
		"msg=scaled component=actuator function=fn-a.openfaas-fn from=1 to=0 by=idler",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the log:\n%s", want, out)
		}
	}
}

// TestFunctionsFileLogLevelStillAFlag: --log-level given wins over the
// info default of --functions-file (the footprint harness runs at warn).
func TestFunctionsFileLogLevelStillAFlag(t *testing.T) {
	fns := writeTemp(t, "functions", "fn-a\n")
	out, err := exec.Command(binary, "run", "--provider", "memory", "--functions-file", fns,
		"--listen", "127.0.0.1:0", "--duration", "1s", "--log-level", "warn").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(string(out), "level=INFO") {
		t.Errorf("--log-level warn, yet INFO lines:\n%s", out)
	}
}

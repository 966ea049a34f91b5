package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestEmptyGOGCAndGOMEMLIMITAreUnset: a manifest's `value: ""` (or a
// shell's `GOGC=`) for GOGC or GOMEMLIMIT is no value to the Go runtime: it
// runs at GOGC 100 and without a soft memory limit, exactly as if the
// variable were absent. The README says "a `GOGC` variable wins" and "a
// `GOMEMLIMIT` variable wins", and that a variable set to the empty string
// counts as unset. So an empty one must not switch off --gc-percent (75) or
// --memory-limit-ratio: today runCmd asks os.LookupEnv, which reports an
// empty variable as set, so the controller applies neither its default nor
// anything else, and logs that the (empty) variable is in force.
// Found by a review helper.
func TestEmptyGOGCAndGOMEMLIMITAreUnset(t *testing.T) {
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, "run", "--duration", "20s", "--listen", "fd:3", "--log-level", "info")
	cmd.ExtraFiles = []*os.File{lnFile}
	cmd.Env = append(os.Environ(), "GOGC=", "GOMEMLIMIT=")
	var logs teststack.SyncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := teststack.WaitOK("http://"+addr+"/healthz", 15*time.Second, nil); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	gogc := ""
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_gc_gogc_percent "); ok {
			gogc = v
		}
	}
	if gogc != "75" {
		t.Errorf("with GOGC=\"\" the runtime's GOGC is %q, want 75 (--gc-percent's default; the empty variable is no value)", gogc)
	}
	out := logs.String()
	if strings.Contains(out, "GOGC variable is set") {
		t.Errorf("an empty GOGC is logged as set (the runtime ignores it):\n%s", firstLines(out, 3))
	}
	if strings.Contains(out, "GOMEMLIMIT is set") {
		t.Errorf("an empty GOMEMLIMIT is logged as set and --memory-limit-ratio is skipped (the runtime ignores it: no soft limit at all):\n%s", firstLines(out, 3))
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

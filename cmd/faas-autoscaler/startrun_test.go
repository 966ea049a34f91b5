package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// startRun starts `faas-autoscaler run args… --listen fd:3` on a socket it
// binds first and hands over (no window in which another process can take
// the port), waits for /healthz, and kills the process when the test ends.
// It returns the address and the process's output (stderr, and stdout when
// stdout is nil).
func startRun(t *testing.T, stdout *teststack.SyncBuffer, args ...string) (string, *teststack.SyncBuffer) {
	t.Helper()
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, append(append([]string{"run"}, args...), "--listen", "fd:3")...)
	cmd.ExtraFiles = []*os.File{lnFile}
	logs := &teststack.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if stdout != nil {
		cmd.Stdout = stdout
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if err := teststack.WaitOK("http://"+addr+"/healthz", 15*time.Second, nil); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	return addr, logs
}

// writeTemp writes content to name in a fresh temporary directory and
// returns its path.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

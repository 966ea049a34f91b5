package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// overrideLines are the warnings of logs that name the file position at.
func overrideLines(logs, at string) []string {
	var out []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, at) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestFileKeyOverriddenByAFlagIsNamed: a deprecated tuning flag, or its
// environment variable (left over from the OpenFaaS days), beats the
// --config file's key, at start and on every reload. That is the
// documented order, but it was silent: an operator who edited the file's
// defaults.target and sent SIGHUP read "configuration reloaded" while the
// variable's value stayed in force. Each such key is named now, with the
// file's position and the flag and variable that win, at start and on
// every reload.
func TestFileKeyOverriddenByAFlagIsNamed(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("defaults:\n  target: 40.0\n")
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, "run", "--duration", "60s", "--listen", "fd:3", "--log-level", "info", "--config", file)
	cmd.Env = append(os.Environ(), "default_target=20")
	cmd.ExtraFiles = []*os.File{lnFile}
	var logs teststack.SyncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := teststack.WaitOK("http://"+addr+"/healthz", 15*time.Second, nil); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	at := file + ":2:11"
	lines := overrideLines(logs.String(), at)
	if len(lines) != 1 || !strings.Contains(lines[0], "defaults.target") || !strings.Contains(lines[0], "--default-target") ||
		!strings.Contains(lines[0], "default_target") {
		t.Errorf("at start: warnings naming %s: %q; want one naming defaults.target, --default-target and default_target:\n%s",
			at, lines, logs.String())
	}

	write("defaults:\n  target: 30.0\n")
	_ = cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, &logs, "configuration reloaded")
	if lines := overrideLines(logs.String(), at); len(lines) != 2 {
		t.Errorf("after a reload: %d warnings naming %s, want 2 (the start's and the reload's):\n%s", len(lines), at, logs.String())
	}
}

package teststack

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// A server that dies on its own (a crash, an OOM kill) is not running and
// says it exited; one the test stopped is not running and did not "exit":
// a harness measuring across a server's life (bench/reaction) must tell a
// death from a planned stop.
//
// Seen failing before the fix: Running() after the process was killed
// from outside = true (it only asked whether Stop had been called).
func TestServerThatDiesIsNotRunning(t *testing.T) {
	a := Alertmanager(t, AMOptions{})
	if !a.Running() || a.Exited() != nil {
		t.Fatalf("fresh server: running %v, exited %v; want running, not exited", a.Running(), a.Exited())
	}
	a.mu.Lock()
	proc := a.cmd.Process
	a.mu.Unlock()
	if err := proc.Kill(); err != nil { // from outside, as the OOM killer would
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "the killed server to read as exited", func() bool { return a.Exited() != nil }, nil)
	if a.Running() {
		t.Error("Running() after the process died on its own; want false")
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if !a.Running() || a.Exited() != nil {
		t.Fatalf("restarted: running %v, exited %v", a.Running(), a.Exited())
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	if a.Running() || a.Exited() != nil {
		t.Errorf("stopped by the test: running %v, exited %v; want neither", a.Running(), a.Exited())
	}
}

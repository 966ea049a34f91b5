package teststack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NATSServerEnv names the nats-server binary that mk/nats.mk builds into the
// tools cache (`make nats-server`).
const NATSServerEnv = "NATS_SERVER"

// NeedNATSServer returns the nats-server binary from $NATS_SERVER (or PATH).
// Without it the test is skipped, or fails when CI=true.
func NeedNATSServer(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(NATSServerEnv); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	msg := "nats-server not found ($" + NATSServerEnv + " or PATH); build it with `make nats-server` (or run `make test`)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// NATS is a nats-server child process with JetStream on, listening on fixed
// loopback ports and storing in a fixed folder, so that Restart brings back
// the same server with the same streams and messages.
type NATS struct {
	bin, dir          string
	port, monitorPort int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	logs SyncBuffer
}

// StartNATS starts nats-server with JetStream (file storage under a test
// folder); it is stopped in t.Cleanup, which prints its output on failure.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	n := &NATS{bin: NeedNATSServer(t), dir: t.TempDir()}
	var err error
	for range 3 {
		if n.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if n.monitorPort, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if err = n.Start(); err == nil {
			break
		}
	}
	t.Cleanup(func() {
		n.Stop()
		if t.Failed() {
			t.Logf("nats-server output:\n%s", n.logs.String())
		}
	})
	if err != nil {
		t.Fatalf("nats-server: %v\n%s", err, n.logs.String())
	}
	return n
}

// URL is the client URL, nats://127.0.0.1:port.
func (n *NATS) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(n.port) }

// MonitorURL is the monitoring endpoint (/healthz, /jsz).
func (n *NATS) MonitorURL() string { return "http://127.0.0.1:" + strconv.Itoa(n.monitorPort) }

// Start runs the server (again, after Stop) and waits until JetStream is
// healthy and its own process holds both ports. The ports and storage are
// the same every time.
func (n *NATS) Start() error {
	n.mu.Lock()
	if n.cmd != nil && !closed(n.done) {
		n.mu.Unlock()
		return errors.New("nats-server already running")
	}
	fmt.Fprintf(&n.logs, "=== starting nats-server on %s\n", n.URL())
	cmd := exec.Command(n.bin, "-a", "127.0.0.1", "-p", strconv.Itoa(n.port), "-m", strconv.Itoa(n.monitorPort),
		"-js", "-sd", n.dir, "--server_name", "test")
	cmd.Stdout, cmd.Stderr = &n.logs, &n.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		n.mu.Unlock()
		return fmt.Errorf("start %s: %w", n.bin, err)
	}
	done := make(chan struct{})
	n.cmd, n.done = cmd, done
	n.mu.Unlock()
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(readyTimeout)
	if err := WaitOK(n.MonitorURL()+"/healthz?js-enabled-only=true", readyTimeout, done); err != nil {
		n.Stop()
		return fmt.Errorf("nats-server not ready on %s: %w", n.URL(), err)
	}
	// Ready from whom? The ports were free when picked, not when bound: a
	// 200 on the monitor port may come from another process (another
	// test's nats-server) while ours exits on "address already in use"
	// (owner.go). Both ports must be held by our process; an error here
	// makes StartNATS try other ports.
	for _, port := range []int{n.monitorPort, n.port} {
		if err := waitOwned(cmd.Process.Pid, port, done, deadline); err != nil {
			n.Stop()
			return fmt.Errorf("nats-server not ready on %s (port %d): %w", n.URL(), port, err)
		}
	}
	return nil
}

// Stop terminates the server (SIGTERM, then SIGKILL after the grace time);
// stopping a stopped server does nothing.
func (n *NATS) Stop() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopGrace):
		_ = cmd.Process.Kill()
		<-done
	}
	fmt.Fprintf(&n.logs, "=== nats-server stopped\n")
}

// Logs is everything the server printed.
func (n *NATS) Logs() string { return n.logs.String() }

// Exited is non-nil once the server has ended without Stop.
func (n *NATS) Exited() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || !closed(n.done) {
		return nil
	}
	return errors.New("nats-server exited on its own")
}

package teststack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyTimeout bounds the wait for /-/ready. Both servers answer in well under
// a second here; the margin is for a loaded 2-core CI machine.
const readyTimeout = 30 * time.Second

// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// server is one child process listening on a fixed loopback port. The port is
// chosen once so that a restarted server keeps its address.
type server struct {
	name string
	bin  string
	port int
	args func(addr string) []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	// startedAt is when the current process was started; WaitUp ignores
	// samples older than this (they survive a restart in the TSDB).
	startedAt time.Time
	werr      error // cmd.Wait's result, valid after done
	logs      SyncBuffer
}

// newServer picks a port and starts the process, retrying with a new port
// when the process dies before it is ready (another process may have taken
// the port between our probe and its bind).
func newServer(t testing.TB, name, bin string, args func(addr string) []string) *server {
	t.Helper()
	s := &server{name: name, bin: bin, args: args}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if s.port, err = pickPort(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err = s.start(); err == nil {
			break
		}
	}
	t.Cleanup(func() {
		_ = s.stop()
		if t.Failed() {
			t.Logf("%s output (%s):\n%s", s.name, s.addr(), s.logs.String())
		}
	})
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, s.logs.String())
	}
	return s
}

func (s *server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *server) url() string { return "http://" + s.addr() }

// start runs the process and waits until it answers /-/ready.
func (s *server) start() error {
	s.mu.Lock()
	if s.cmd != nil && !closed(s.done) {
		s.mu.Unlock()
		return fmt.Errorf("%s already running", s.name)
	}
	fmt.Fprintf(&s.logs, "=== starting %s on %s\n", s.name, s.addr())
	cmd := exec.Command(s.bin, s.args(s.addr())...)
	cmd.Stdout = &s.logs
	cmd.Stderr = &s.logs
	// Die with the test binary, even when it is killed without cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	s.cmd, s.done, s.startedAt = cmd, done, time.Now()
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.werr = err
		s.mu.Unlock()
		close(done)
	}()
	if err := s.waitReady(done); err != nil {
		_ = s.stop()
		return err
	}
	return nil
}

func (s *server) waitReady(done <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	switch err := WaitOK(s.url()+"/-/ready", readyTimeout, done); {
	case errors.Is(err, ErrExited):
		return fmt.Errorf("%s exited before it was ready: %v", s.name, s.exitErr())
	case err != nil:
		return fmt.Errorf("%s not ready on %s: %w", s.name, s.addr(), err)
	}
	// Ready from whom? Another process holding the port answers too, while
	// ours exits on "address already in use" (owner.go).
	s.mu.Lock()
	pid := s.cmd.Process.Pid
	s.mu.Unlock()
	switch err := waitOwned(pid, s.port, done, deadline); {
	case errors.Is(err, ErrExited):
		return fmt.Errorf("%s exited before it was ready (another process answers on %s): %v", s.name, s.addr(), s.exitErr())
	case err != nil:
		return fmt.Errorf("%s not ready on %s: %w", s.name, s.addr(), err)
	}
	return nil
}

// ErrExited: the process WaitOK was waiting for exited first.
var ErrExited = errors.New("exited before it was ready")

// WaitOK polls url every 50 ms until it answers 200, the process whose exit
// closes done exits (ErrExited), or timeout passes.
func WaitOK(url string, timeout time.Duration, done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			return ErrExited
		case <-ctx.Done():
			return fmt.Errorf("no 200 from %s after %s", url, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *server) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.werr
}

// stop sends SIGTERM, waits up to stopGrace, then SIGKILL. Stopping a stopped
// server is a no-op.
func (s *server) stop() error { return s.signal(syscall.SIGTERM) }

// kill sends SIGKILL at once, like a crash.
func (s *server) kill() error { return s.signal(syscall.SIGKILL) }

func (s *server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(stopGrace):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s ignored %v for %s; killed", s.name, sig, stopGrace)
	}
	fmt.Fprintf(&s.logs, "=== %s stopped (%v): %v\n", s.name, sig, s.exitErr())
	return nil
}

func (s *server) started() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startedAt
}

func (s *server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil && !closed(s.done)
}

// exited is the exit of a process that ended on its own (a crash, an OOM
// kill, a bad flag after a restart), nil while it runs or after the test
// stopped it: a harness that measures across the server's life needs to
// know it was there throughout.
func (s *server) exited() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || !closed(s.done) {
		return nil
	}
	return fmt.Errorf("%s exited on its own: %v", s.name, s.werr)
}

// closed reports whether done is closed.
func closed(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// pickPort is freePort, replaced by tests that need a clash.
var pickPort = freePort

// freePort asks the kernel for a free loopback port. The port is released
// before the server binds it, so a race is possible; newServer retries.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// InheritedListener binds 127.0.0.1:0 in the test process and returns its
// address and the socket as a file to pass to a child in cmd.ExtraFiles
// (the first extra file is descriptor 3: `--listen fd:3` for the
// controller). The port is never free in between, so no other process can
// take it (the `bind: address already in use` flake of FreeAddr), and a
// child restarted with the same file keeps the address. Both are closed by
// t.Cleanup.
func InheritedListener(t testing.TB) (addr string, f *os.File) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	f, err = ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatalf("listener file: %v", err)
	}
	t.Cleanup(func() { f.Close(); ln.Close() })
	return ln.Addr().String(), f
}

// FreeAddr is a free loopback host:port for a child process to listen on.
// It is released before the child binds it, so a clash is possible: prefer
// InheritedListener for children that accept an inherited socket.
func FreeAddr() (string, error) {
	p, err := freePort()
	if err != nil {
		return "", err
	}
	return "127.0.0.1:" + strconv.Itoa(p), nil
}

// SyncBuffer collects a child process's output: exec's copy goroutines
// write it while the test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

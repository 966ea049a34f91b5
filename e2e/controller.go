package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// BinaryEnv names an environment variable holding a prebuilt controller
// binary; when set, BuildController uses it instead of building.
const BinaryEnv = "FAAS_AUTOSCALER_BIN"

const controllerPackage = "github.com/faas-autoscaler/faas-autoscaler/cmd/faas-autoscaler"

// BuildController builds the controller binary from cmd/ into dir and returns
// its path. It runs `go build` in the current directory, which must be inside
// the module (go test runs tests in their package directory).
func BuildController(dir string) (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinaryEnv, p, err)
		}
		return p, nil
	}
	return build(dir)
}

// BuildShipped is BuildController with the image's build (the Dockerfile's:
// no cgo, -trimpath, no symbol table or DWARF), for measurements of what
// ships: a default build maps 1–1.5 MiB more into the process.
// BinaryEnv still wins.
func BuildShipped(dir string) (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		return BuildController(dir)
	}
	return build(dir, "CGO_ENABLED=0", "-trimpath", "-ldflags=-s -w")
}

// build runs go build of the controller into dir; opts are KEY=VALUE
// environment settings and go build flags.
func build(dir string, opts ...string) (string, error) {
	out := filepath.Join(dir, "faas-autoscaler")
	args := []string{"build", "-o", out}
	env := os.Environ()
	for _, o := range opts {
		if strings.HasPrefix(o, "-") {
			args = append(args, o)
		} else {
			env = append(env, o)
		}
	}
	cmd := exec.Command("go", append(args, controllerPackage)...)
	cmd.Env = env
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", controllerPackage, err, buf.String())
	}
	return out, nil
}

// Controller is the controller binary running as a child process.
type Controller struct {
	bin  string
	args []string
	addr string
	// ln is the listening socket, held by the test and inherited by every
	// run of the controller as descriptor 3 (--listen fd:3).
	ln *os.File

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	werr error
	logs teststack.SyncBuffer
}

// startController runs bin with args (which must include --listen fd:3,
// ln being inherited as descriptor 3 and bound to addr) and
// waits until /readyz answers 200. The process dies with the test binary
// (Pdeathsig) and is stopped by t.Cleanup, which dumps its output when the
// test failed.
func startController(t testing.TB, bin, addr string, ln *os.File, args []string) *Controller {
	t.Helper()
	c := &Controller{bin: bin, args: args, addr: addr, ln: ln}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Logf("controller output (%s %v):\n%s", addr, args, c.Logs())
		}
	})
	if err := c.start(); err != nil {
		t.Fatalf("controller: %v\n%s", err, c.Logs())
	}
	return c
}

func (c *Controller) start() error {
	cmd := exec.Command(c.bin, c.args...)
	// A clean environment: the controller binds OpenFaaS-style variables
	// (gateway_url, basic_auth, …) to flags, and the test's own must not leak in.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	cmd.Stdout, cmd.Stderr = &c.logs, &c.logs
	cmd.ExtraFiles = []*os.File{c.ln}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", c.bin, err)
	}
	done := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.done = cmd, done
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.werr = err
		c.mu.Unlock()
		close(done)
	}()
	switch err := teststack.WaitOK(c.URL()+"/readyz", 30*time.Second, done); {
	case errors.Is(err, teststack.ErrExited):
		return fmt.Errorf("controller exited before it was ready: %v", c.exitErr())
	case err != nil:
		c.Stop()
		return fmt.Errorf("controller not ready on %s: %w", c.addr, err)
	}
	return nil
}

func (c *Controller) exitErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.werr
}

// Stop sends SIGTERM and waits (SIGKILL after 5 s). Stopping twice is a no-op.
func (c *Controller) Stop() {
	cmd, done := c.detach()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Kill ends the controller with SIGKILL, like a crash or an OOM kill, and
// waits for it. Its socket stays bound (the test holds it): clients queue
// until Restart.
func (c *Controller) Kill() {
	cmd, done := c.detach()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Exited is non-nil once the controller has ended without Stop or Kill
// (a crash, a panic, a fatal flag after Restart).
func (c *Controller) Exited() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return nil
	}
	select {
	case <-c.done:
		return fmt.Errorf("controller exited on its own: %v", c.werr)
	default:
		return nil
	}
}

// detach takes the running process (nil when none), so stopping twice is a
// no-op.
func (c *Controller) detach() (*exec.Cmd, chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cmd, done := c.cmd, c.done
	c.cmd = nil
	return cmd, done
}

// Restart starts the controller again with the same flags and socket and
// waits until it is ready.
func (c *Controller) Restart() error { return c.start() }

// URL is the controller's base URL.
func (c *Controller) URL() string { return "http://" + c.addr }

// Addr is host:port.
func (c *Controller) Addr() string { return c.addr }

// Logs returns everything the controller printed so far.
func (c *Controller) Logs() string { return c.logs.String() }

// Metrics scrapes the controller's /metrics.
func (c *Controller) Metrics(ctx context.Context) (map[string]*MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL()+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// MetricFamily is one parsed metric family of a /metrics page.
type MetricFamily = dto.MetricFamily

// MetricValue returns the sum of the samples of a counter or gauge family
// whose labels include all of match; false when no sample matches.
func MetricValue(fams map[string]*MetricFamily, name string, match map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		ok := true
		for k, v := range match {
			if labels[k] != v {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		found = true
		switch {
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			sum += m.GetGauge().GetValue()
		case m.GetUntyped() != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum, found
}

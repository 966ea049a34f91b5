package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// TestDebugListenIsOffByDefaultAndParses: no profiler unless asked, and
// the flag (or its variable) sets the address.
func TestDebugListenIsOffByDefaultAndParses(t *testing.T) {
	var c runConfig
	if err := defineRunFlags(&c).parse(nil, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if c.DebugListen != "" {
		t.Errorf("--debug-listen defaults to %q; the profiler must be off by default", c.DebugListen)
	}
	var d runConfig
	env := map[string]string{"debug_listen": "127.0.0.1:6060"}
	if err := defineRunFlags(&d).parse(nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if d.DebugListen != "127.0.0.1:6060" {
		t.Errorf("debug_listen not applied: %q", d.DebugListen)
	}
	d.Tuning = config.Default()
	if err := d.Validate(); err != nil {
		t.Errorf("a host:port is valid: %v", err)
	}
}

// TestDebugListenerServesHeapProfile: the listener answers
// /debug/pprof/heap with a heap profile, and stops with its context.
func TestDebugListenerServesHeapProfile(t *testing.T) {
	ln, err := listenDebug("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveDebug(ctx, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile:") {
		t.Errorf("GET /debug/pprof/heap = %d %.200q, want a heap profile", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serveDebug after cancel = %v, want nil", err)
	}
}

// TestDebugListenTakenPortNamesTheFlag: a port in use fails the start
// with the flag named.
func TestDebugListenTakenPortNamesTheFlag(t *testing.T) {
	ln, err := listenDebug("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := listenDebug(ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "--debug-listen") {
		t.Errorf("second listen on %s = %v, want an error naming --debug-listen", ln.Addr(), err)
	}
}

// TestRunServesProfilerOnlyWhenAsked: `run --debug-listen` serves the heap
// profile on that address, and the public --listen address has no
// /debug/pprof/.
func TestRunServesProfilerOnlyWhenAsked(t *testing.T) {
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr, debugAddr := free(), free()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "run", "--duration", "60s", "--listen", addr, "--debug-listen", debugAddr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	get := func(url string) (int, string, error) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	var code int
	var body string
	var err error
	for range 100 { // the binary's start, polled (not a timed assertion)
		if code, body, err = get("http://" + debugAddr + "/debug/pprof/heap?debug=1"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || code != http.StatusOK || !strings.Contains(body, "heap profile:") {
		t.Fatalf("GET --debug-listen /debug/pprof/heap = %d, %v, %.100q; want a heap profile", code, err, body)
	}
	if code, _, err := get("http://" + addr + "/debug/pprof/heap"); err != nil || code == http.StatusOK {
		t.Errorf("GET --listen /debug/pprof/heap = %d, %v; want no profiler on the public address", code, err)
	}
}

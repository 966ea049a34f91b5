package httpserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// testOptions are Default with deadlines short enough for a test.
func testOptions() Options {
	o := Default()
	o.ReadHeaderTimeout = 300 * time.Millisecond
	o.ReadTimeout = 500 * time.Millisecond
	o.WriteTimeout = 500 * time.Millisecond
	o.IdleTimeout = 300 * time.Millisecond
	o.MaxConns = 200
	o.MaxInFlight = 50
	return o
}

// webhookish stands for the alert webhook: it reads the whole body (as the
// real one does under a size limit) and answers 200.
func webhookish() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
	mux.HandleFunc("/system/alert", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "accepted\n")
	})
	return mux
}

// serve starts New(h) on a real 127.0.0.1 listener and returns its address,
// the listener and a stop that shuts the server down.
func serve(t *testing.T, h http.Handler, o Options, logger *slog.Logger) (string, *Listener, func()) {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", o.MaxConns)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(h, o, logger)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = srv.Close()
			<-done
		})
	}
	t.Cleanup(stop)
	return ln.Addr().String(), ln, stop
}

func post(addr string) (int, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Post("http://"+addr+"/system/alert", "application/json", strings.NewReader(`{"alerts":[]}`))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// TestSlowBodies: requests whose bodies trickle in are cut off at
// ReadTimeout, whether the handler reads them or refuses early, and the
// webhook keeps answering meanwhile. On virtual time over in-memory
// connections: on real sockets the 300 slow clients had to be dialled and
// accepted within the 300 ms header timeout of the first, which a loaded
// two-core machine missed (21 failures in 120 runs under load, session 46:
// "slow clients not connected", the first connections already cut).
//
// Seen failing: with ReadTimeout removed from New the slow connections stay
// open past the read timeout ("open at the read timeout: 300, want 0").
func TestSlowBodies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := testOptions()
		o.MaxConns, o.MaxInFlight = 400, 400 // every slow body reaches the handler
		pl := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
		ln := Wrap(pl, o.MaxConns)
		srv := New(webhookish(), o, nil)
		served := make(chan struct{})
		go func() { defer close(served); _ = srv.Serve(ln) }()
		const slow = 300
		quit := make(chan struct{})
		var wg sync.WaitGroup
		defer func() {
			close(quit)
			wg.Wait()
			_ = srv.Close()
			<-served
		}()
		for range slow {
			c := pl.dial()
			wg.Go(func() {
				defer c.Close()
				if _, err := io.WriteString(c, "POST /system/alert HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"); err != nil {
					return
				}
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-quit:
						return
					case <-tick.C:
						if _, err := c.Write([]byte("x")); err != nil {
							return // the server closed it
						}
					}
				}
			})
		}
		synctest.Wait() // each accepted, its header read, its body being read: no time has passed
		if n := ln.Open(); n != slow {
			t.Fatalf("open after connecting: %d, want %d", n, slow)
		}
		c := pl.dial()
		go func() {
			_, _ = io.WriteString(c, "POST /system/alert HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
		}()
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook during slow bodies: %v %v", resp, err)
		}
		resp.Body.Close()
		c.Close()
		time.Sleep(o.ReadTimeout - time.Millisecond)
		synctest.Wait()
		if n := ln.Open(); n != slow {
			t.Fatalf("open just before the read timeout: %d, want %d", n, slow)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if n := ln.Open(); n != 0 {
			t.Fatalf("open at the read timeout: %d, want 0", n)
		}
	})
}

// TestInFlightCap: beyond MaxInFlight the answer is 503 with Retry-After,
// never a queue; /healthz answers whatever is in flight.
//
// Seen failing: with the select's default branch replaced by a blocking
// send the third request hangs (the test's deadline fires).
func TestInFlightCap(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			_, _ = io.WriteString(w, "OK\n")
			return
		}
		entered <- struct{}{}
		<-release
	})
	lim := LimitInFlight(h, 2, 3*time.Second, "/healthz")
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { lim.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/system/alert", nil)) })
	}
	<-entered
	<-entered
	w := httptest.NewRecorder()
	lim.ServeHTTP(w, httptest.NewRequest("POST", "/system/alert", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "3" {
		t.Errorf("third request: %d Retry-After=%q, want 503 and 3", w.Code, w.Header().Get("Retry-After"))
	}
	w = httptest.NewRecorder()
	lim.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != http.StatusOK {
		t.Errorf("/healthz at the cap: %d, want 200", w.Code)
	}
	close(release)
	wg.Wait()
	w = httptest.NewRecorder()
	lim.ServeHTTP(w, httptest.NewRequest("POST", "/system/alert", nil))
	if w.Code != http.StatusOK {
		t.Errorf("after the cap cleared: %d, want 200", w.Code)
	}
}

// TestErrorLogIsSlog: net/http's own "http: …" lines come out as JSON
// records of the controller's logger, not as bare text on stderr.
//
// Seen failing: without ErrorLog set the line goes to the standard logger
// and the buffer stays empty.
func TestErrorLogIsSlog(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.WriteHeader(http.StatusTeapot) // net/http logs "superfluous response.WriteHeader call"
	})
	addr, _, stop := serve(t, h, testOptions(), logger)
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stop()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("nothing logged")
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if rec["component"] != "http" || rec["level"] != "WARN" || !strings.Contains(fmt.Sprint(rec["msg"]), "superfluous") {
			t.Errorf("record %v: want component=http level=WARN msg about the superfluous call", rec)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default: %v", err)
	}
	for _, c := range []struct {
		mut  func(*Options)
		want string
	}{
		{func(o *Options) { o.IdleTimeout = 0 }, "http idle timeout 0s: must be positive"},
		{func(o *Options) { o.MaxHeaderBytes = 100 }, "http max header bytes 100: must be from 4096 to 67108864"},
		{func(o *Options) { o.MaxInFlight = 1000 }, "http max in-flight requests 1000: above max connections 512"},
	} {
		o := Default()
		c.mut(&o)
		if err := o.Validate(); err == nil || err.Error() != c.want {
			t.Errorf("Validate() = %v, want %q", err, c.want)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestListenInherited: "fd:N" serves on an inherited socket (as a child
// given cmd.ExtraFiles sees it); a bad fd value is refused with the syntax.
func TestListenInherited(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l2, err := Listen(fmt.Sprintf("fd:%d", f.Fd()), 10)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(webhookish(), testOptions(), nil)
	go func() { _ = srv.Serve(l2) }()
	defer srv.Close()
	if code, err := post(ln.Addr().String()); err != nil || code != http.StatusOK {
		t.Fatalf("POST through the inherited socket: %d, %v", code, err)
	}
	for _, bad := range []string{"fd:x", "fd:1"} {
		if _, err := Listen(bad, 0); err == nil || !strings.Contains(err.Error(), "want fd:N with N ≥ 3") {
			t.Errorf("Listen(%q) = %v", bad, err)
		}
	}
}

// TestProbesAnswerAtTheCap: the kubelet's probes are answered however many
// requests are in flight. /readyz was not exempt from the in-flight cap, and
// the chart probes it every 2 s with failureThreshold 1: one 503 "overloaded"
// (128 slow /metrics readers, a burst of webhooks) marked the leader not
// ready, the Service dropped its only endpoint, and AlertManager's webhooks
// failed to connect instead of being answered — exactly while scaling
// mattered. Readiness says "leader and started", not "idle".
func TestProbesAnswerAtTheCap(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(http.ResponseWriter, *http.Request) {
		entered <- struct{}{}
		<-release
	})
	for _, p := range []string{"/healthz", "/readyz"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
	}
	o := Default()
	o.MaxInFlight = 2
	h := New(mux, o, nil).Handler
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/metrics", nil)) })
	}
	<-entered
	<-entered
	for _, p := range []string{"/healthz", "/readyz"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		if w.Code != http.StatusOK {
			t.Errorf("GET %s at the in-flight cap: %d %q, want 200", p, w.Code, w.Body)
		}
	}
	close(release)
	wg.Wait()
}

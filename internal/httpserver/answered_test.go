package httpserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// answeredServer serves /healthz and /slow (which waits for release) on a
// pipe listener capped at maxConns, with maxConns in flight.
func answeredServer(t *testing.T, maxConns int, release <-chan struct{}) (*pipeListener, *Listener, func()) {
	t.Helper()
	o := Default() // 30 s write timeout, as in production
	o.MaxConns, o.MaxInFlight = maxConns, maxConns
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		<-release
		_, _ = io.WriteString(w, "done\n")
	})
	pl := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	ln := Wrap(pl, o.MaxConns)
	srv := New(mux, o, nil)
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	return pl, ln, func() { _ = srv.Close(); <-served }
}

// probeOnce sends a GET /healthz with Connection: close on c and reports
// its status on the returned channel (nothing if the exchange fails).
func probeOnce(c net.Conn) <-chan int {
	got := make(chan int, 1)
	go func() {
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
			return
		}
		if code, err := readStatus(c); err == nil {
			got <- code
		}
	}()
	return got
}

// onlyConn is the listener's one open connection (the test's setup leaves one).
func onlyConn(t *testing.T, ln *Listener) *conn {
	t.Helper()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if len(ln.conns) != 1 {
		t.Fatalf("%d connections open, want 1", len(ln.conns))
	}
	for c := range ln.conns {
		return c
	}
	return nil
}

// TestAnsweredIsEvictedButARunningHandlerNever: at the cap, a connection
// whose handler has returned and whose client does not read the answer is
// evicted for the probe; one whose handler is still running is not, even
// when nothing else can be evicted: the probe then waits for a handler to
// end.
func TestAnsweredIsEvictedButARunningHandlerNever(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		pl, ln, stop := answeredServer(t, 2, release)
		defer stop()
		var releaseOnce sync.Once
		defer releaseOnce.Do(func() { close(release) }) // a failed test's handlers, before stop

		running := pl.dial() // /slow: its handler runs until release
		defer running.Close()
		runningDone := make(chan int, 1)
		go func() {
			if _, err := io.WriteString(running, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
				code, _ := readStatus(running)
				runningDone <- code
			}
		}()
		unread := pl.dial() // its answer is never read
		defer unread.Close()
		go func() { _, _ = io.WriteString(unread, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") }()
		synctest.Wait()

		probe := pl.dial()
		defer probe.Close()
		select {
		case code := <-probeOnce(probe):
			if code != http.StatusOK || ln.Evicted() != 1 {
				t.Fatalf("probe: %d with %d evicted, want 200 with 1 (the unread connection)", code, ln.Evicted())
			}
		case <-time.After(time.Second):
			t.Fatalf("probe not answered within 1s (evicted %d): the connection whose answer is not read was not evicted", ln.Evicted())
		}
		synctest.Wait() // the probe's connection closed by the server (Connection: close)
		if n := ln.Open(); n != 1 {
			t.Fatalf("%d connections open after the probe, want 1 (the running one)", n)
		}

		// Both slots now hold running handlers: nothing is evictable.
		second := pl.dial()
		defer second.Close()
		secondDone := make(chan int, 1)
		go func() {
			if _, err := io.WriteString(second, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
				code, _ := readStatus(second)
				secondDone <- code
			}
		}()
		synctest.Wait()
		probe2 := pl.dial()
		defer probe2.Close()
		got := probeOnce(probe2)
		select {
		case code := <-got:
			t.Fatalf("probe answered %d while both connections had a handler running (evicted %d): one was evicted", code, ln.Evicted())
		case <-time.After(5 * time.Second):
		}
		if n := ln.Evicted(); n != 1 {
			t.Fatalf("evicted %d, want still 1: a connection with its handler running was closed", n)
		}

		releaseOnce.Do(func() { close(release) })
		for _, ch := range []chan int{runningDone, secondDone} {
			if code := <-ch; code != http.StatusOK {
				t.Errorf("/slow: %d, want 200 (its handler ran to the end on a connection never evicted)", code)
			}
		}
		select {
		case code := <-got: // one of the two, idle now, made room
			if code != http.StatusOK {
				t.Errorf("probe after the handlers ended: %d, want 200", code)
			}
		case <-time.After(time.Second):
			t.Errorf("probe not answered within 1s of the handlers ending")
		}
	})
}

// TestKeepAliveNextRequestLeavesAnswered: a keep-alive connection answered
// (its client slow to read) and then back to active for its next request is
// not evictable while that request's handler runs.
func TestKeepAliveNextRequestLeavesAnswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		pl, ln, stop := answeredServer(t, 1, release)
		defer stop()
		var releaseOnce sync.Once
		defer releaseOnce.Do(func() { close(release) }) // a failed test's handlers, before stop

		c := pl.dial()
		defer c.Close()
		br := bufio.NewReader(c)
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		tc := onlyConn(t, ln)
		if st, _ := tc.get(); st != stateAnswered {
			t.Fatalf("handler returned, answer unread: state %v, want answered", st)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()

		slowDone := make(chan int, 1)
		go func() {
			if _, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				return
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				return
			}
			resp.Body.Close()
			slowDone <- resp.StatusCode
		}()
		synctest.Wait()
		if st, _ := tc.get(); st != http.StateActive || tc.handlers.Load() != 1 {
			t.Fatalf("next request running: state %v with %d handlers, want active with 1", st, tc.handlers.Load())
		}

		probe := pl.dial()
		defer probe.Close()
		got := probeOnce(probe)
		select {
		case code := <-got:
			t.Fatalf("probe answered %d while the only connection ran its second request (evicted %d)", code, ln.Evicted())
		case <-time.After(5 * time.Second):
		}
		releaseOnce.Do(func() { close(release) })
		if code := <-slowDone; code != http.StatusOK {
			t.Errorf("second request: %d, want 200", code)
		}
		select {
		case code := <-got:
			if code != http.StatusOK {
				t.Errorf("probe: %d, want 200", code)
			}
		case <-time.After(time.Second):
			t.Errorf("probe not answered within 1s of the keep-alive connection going idle")
		}
	})
}

// TestEvictionOrder: idle and header-less connections go first, then
// lingering ones, then answered ones answered for answeredGrace (longest
// answered first); a connection with a handler running, or back to active,
// never. Before the grace, an answered one is not evicted, and the wait
// until it is is reported.
func TestEvictionOrder(t *testing.T) {
	l := Wrap(nil, 10)
	const now = int64(10 * time.Second)
	add := func(s http.ConnState, age time.Duration) *conn {
		c := &conn{l: l}
		c.state.Store(uint64(s)<<56 | uint64(now-int64(age)))
		l.conns[c] = struct{}{}
		return c
	}
	add(http.StateActive, 9*time.Second)
	add(http.StateHijacked, 9*time.Second)
	add(stateAnswered, 8*time.Second).handlers.Add(1) // a handler still running on it
	answeredRecent := add(stateAnswered, answeredGrace-100*time.Millisecond)
	answeredNew := add(stateAnswered, answeredGrace+time.Second)
	answeredOld := add(stateAnswered, answeredGrace+2*time.Second)
	lingering := add(stateLingering, time.Millisecond)
	idle := add(http.StateIdle, time.Millisecond)
	fresh := add(http.StateNew, 0)
	backToActive := add(stateAnswered, 7*time.Second)
	trackState(backToActive, http.StateActive) // its next request
	if st, _ := backToActive.get(); st != http.StateActive {
		t.Fatalf("answered then active: state %v, want active", st)
	}
	for _, want := range []*conn{idle, fresh, lingering, answeredOld, answeredNew} {
		got, due := l.oldestWaitingLocked(now)
		if got != want || due != 0 {
			var st http.ConnState
			if got != nil {
				st, _ = got.get()
			}
			wst, _ := want.get()
			t.Fatalf("evicted a connection in state %v (due %v), want one in state %v", st, due, wst)
		}
		delete(l.conns, got)
	}
	if got, due := l.oldestWaitingLocked(now); got != nil || due != 100*time.Millisecond {
		t.Fatalf("with only an answered connection within its grace: victim %v, due %v; want none, due 100ms", got != nil, due)
	}
	if got, _ := l.oldestWaitingLocked(now + int64(100*time.Millisecond)); got != answeredRecent {
		t.Fatalf("answered connection past its grace not evicted")
	}
}

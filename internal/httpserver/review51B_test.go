package httpserver

import (
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// TestReview51BLingeringConnectionsAreNotEvicted: a request whose declared
// body is larger than net/http's post-handler discard limit (256 KiB) and
// is not read (any probe, /metrics, the explain API, the in-flight cap's
// own 503 — whatever the path) makes net/http end the connection with
// closeWriteAndWait: the answer, the FIN (conn.CloseWrite), then a 500 ms
// sleep before the close. All that time the connection stays in
// StateActive, which the Listener never evicts, although its request is
// over and its answer sent (the same holds for a 431, headers over
// max_header_bytes, and for the webhook's refusal of a batch over its
// limit). The Listener's contract is "only when every connection has a
// request in progress does Accept wait for one to end"; here none has, and
// Accept waits out the whole delay.
//
// Why it matters: a 60-byte request ("GET /healthz" with
// "Content-Length: 1000000", nothing after it) pins a connection slot for
// 500 ms, outside the in-flight cap, where an idle or header-less
// connection is evicted at once. Clients that reconnect and repeat it
// faster than max_connections per 500 ms keep every slot pinned and the
// kubelet's probe (1 s timeout) queues behind them: with 10 such clients
// per slot (TestIdleFlood floods 15 per slot) the probe went unanswered for
// over 1 s of virtual time in one run of three (scheduling decides its
// place in the queue, so that variant is not kept here).
//
// Expected: a connection that has sent its answer and is only lingering
// before its close (CloseWrite called) is evictable, like an idle one: the
// probe below is answered at once, not after the 500 ms delay.
//
// Cause: listener.go conn.CloseWrite / trackState leave the state
// StateActive through net/http's rstAvoidanceDelay, and
// oldestWaitingLocked skips StateActive.
func TestReview51BLingeringConnectionsAreNotEvicted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := testOptions()
		o.ReadTimeout, o.WriteTimeout = 20*time.Second, 20*time.Second
		o.ReadHeaderTimeout, o.IdleTimeout = 10*time.Second, 10*time.Second
		o.MaxConns, o.MaxInFlight = 4, 4
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
		pl := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
		ln := Wrap(pl, o.MaxConns)
		srv := New(mux, o, nil)
		served := make(chan struct{})
		go func() { defer close(served); _ = srv.Serve(ln) }()
		var clients []net.Conn
		defer func() {
			for _, c := range clients {
				c.Close()
			}
			_ = srv.Close()
			<-served
			time.Sleep(time.Second) // net/http's connections still in their close delay
		}()
		answered := make(chan int, o.MaxConns)
		for range o.MaxConns {
			c := pl.dial()
			clients = append(clients, c)
			go func() {
				if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"); err != nil {
					return
				}
				code, _ := readStatus(c)
				answered <- code
				_, _ = io.Copy(io.Discard, c) // until the server's close
			}()
		}
		for range o.MaxConns {
			if code := <-answered; code != http.StatusOK {
				t.Fatalf("control: GET /healthz with an unsent body: %d, want 200", code)
			}
		}
		synctest.Wait() // every connection answered, and lingering before its close

		probe := pl.dial()
		clients = append(clients, probe)
		got := make(chan int, 1)
		go func() {
			if code, err := getHealthz(probe); err == nil {
				got <- code
			}
		}()
		start := time.Now()
		select {
		case code := <-got:
			if d := time.Since(start); d > 0 || code != http.StatusOK {
				t.Errorf("probe: %d after %v, want 200 at once: the %d connections at the cap had all been answered "+
					"and were only waiting out net/http's close delay, unevictable in StateActive (evicted %d)",
					code, d, o.MaxConns, ln.Evicted())
			}
		case <-time.After(5 * time.Second):
			t.Errorf("probe not answered within %v", time.Since(start))
		}
	})
}

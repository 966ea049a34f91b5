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

// TestReview52OClientsThatDoNotReadTheirAnswerDoNotLockOutTheProbe: a
// client that sends a request and does not read the answer (its receive
// window full: on TCP a few hundred pipelined "GET /healthz" behind a small
// receive buffer, some 8 KiB of requests; over net.Pipe here, one) leaves
// its connection in StateActive while net/http flushes the answer after
// the handler has returned, for the whole write timeout (30 s by default).
// The handler has returned, so the in-flight cap that "keeps that short"
// (Listener) does not see it, and the probes are exempt from that cap
// anyway; the listener never evicts an Active connection. max_connections
// such clients, each one request, lock every new client out, the
// kubelet's probe (1 s timeout) included, for the write timeout, and again
// as they reconnect: the class of TestReview49hUnreadBodiesOnProbesStarveTheCap
// (a body never sent) and TestReview51BLingeringConnectionsAreNotEvicted,
// with the answer never read instead.
//
// Expected: the probe is answered within the kubelet's 1 s: a connection
// whose handler has returned and whose answer the client does not take is
// evictable (after idle, new and lingering ones), as a lingering one is.
func TestReview52OClientsThatDoNotReadTheirAnswerDoNotLockOutTheProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := Default() // 30 s write timeout
		o.MaxConns, o.MaxInFlight = 4, 4
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
		pl := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
		ln := Wrap(pl, o.MaxConns)
		srv := New(mux, o, nil)
		served := make(chan struct{})
		go func() { defer close(served); _ = srv.Serve(ln) }()
		var wg sync.WaitGroup
		var clients []net.Conn
		defer func() {
			for _, c := range clients {
				c.Close()
			}
			wg.Wait()
			_ = srv.Close()
			<-served
		}()
		for range o.MaxConns {
			c := pl.dial()
			clients = append(clients, c)
			wg.Go(func() {
				// One request; the answer is never read.
				_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			})
		}
		wg.Wait()
		synctest.Wait() // every handler has returned; the answers wait to be read

		probe := pl.dial()
		clients = append(clients, probe)
		got := make(chan int, 1)
		go func() {
			if _, err := io.WriteString(probe, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(probe), nil)
			if err != nil {
				return
			}
			resp.Body.Close()
			got <- resp.StatusCode
		}()
		start := time.Now()
		select {
		case code := <-got:
			if code != http.StatusOK {
				t.Errorf("probe: %d, want 200", code)
			}
		case <-time.After(time.Second): // the kubelet's default probe timeout; virtual time
			t.Errorf("probe not answered within %v while %d clients do not read the answers to their one GET /healthz (open %d, evicted %d): "+
				"each connection stays active, unevictable, for the write timeout (%v) after its handler returned",
				time.Since(start), o.MaxConns, ln.Open(), ln.Evicted(), o.WriteTimeout)
		}
	})
}

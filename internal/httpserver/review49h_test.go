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

// TestReview49hUnreadBodiesOnProbesStarveTheCap: a request whose handler
// does not read its body (the probes, /metrics, the explain API) is not
// done when the handler returns: net/http then reads up to 256 KiB of the
// body to keep the connection, on the connection's goroutine, outside the
// in-flight cap, with the connection in StateActive, which the listener
// never evicts. A client that sends "GET /healthz" (exempt from the
// in-flight cap) with "Content-Length: 1000" and then nothing holds a slot
// of the connection cap for the whole read timeout (30 s by default), and
// max_connections of them lock every new client out, the kubelet's probe
// (1 s timeout) and AlertManager included; the in-flight cap that "keeps
// that short" never sees them. Expected: the probe is answered at once (the trickling
// connections closed after their answer, or evictable once their handler
// returned).
//
// Seen failing before the fix (dropUnreadBody): probe not answered within 1s
// while 4 clients hold a GET /healthz whose declared body never comes.
func TestReview49hUnreadBodiesOnProbesStarveTheCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := testOptions()
		o.ReadTimeout = 20 * time.Second // still well under the 30 s default
		o.WriteTimeout = 20 * time.Second
		o.MaxConns, o.MaxInFlight = 4, 4
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
		pl := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
		ln := Wrap(pl, o.MaxConns)
		srv := New(mux, o, nil)
		served := make(chan struct{})
		go func() { defer close(served); _ = srv.Serve(ln) }()
		quit := make(chan struct{})
		var wg sync.WaitGroup
		var clients []net.Conn
		defer func() {
			close(quit)
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
				if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
					return
				}
				go func() { _, _ = io.Copy(io.Discard, c) }() // reads whatever the server answers
				<-quit                                        // and never sends the body it declared
			})
		}
		synctest.Wait()

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
			t.Errorf("probe not answered within %v while %d clients hold a GET /healthz whose declared body never comes (open %d, evicted %d): "+
				"each holds a connection slot for the read timeout (%v) after its handler returned",
				time.Since(start), o.MaxConns, ln.Open(), ln.Evicted(), o.ReadTimeout)
		}
	})
}

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

// pipeListener hands out the server ends of net.Pipe connections, so
// the whole exchange runs in a synctest bubble on virtual time.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// dial opens a connection to the listener and returns the client's end.
func (l *pipeListener) dial() net.Conn {
	server, client := net.Pipe()
	go func() {
		select {
		case l.conns <- server:
		case <-l.done:
			server.Close()
		}
	}()
	return client
}

// TestAtTheCapAnIdledConnectionMakesRoom: Listener's contract is
// that at the cap Accept evicts the longest-idle connection, and "only when
// every connection has a request in progress does Accept wait for one to
// end". But it waits for a connection to *close* (l.freed is signalled by
// conn.Close only): a request that ends on a keep-alive connection turns it
// idle without waking Accept, so the new client waits until some
// connection closes — the idle timeout (60 s by default), or never, for a
// client that keeps its pool warm — while an evictable idle connection
// sits there. Meanwhile net/http accepts nothing else either: /healthz
// (the livenessProbe, 1 s timeout) cannot connect. Reachable with the
// documented settings server.max_in_flight = server.max_connections, or
// max_in_flight 0 (no cap, "behind a proxy that caps"), where every
// connection can have a request in progress at once. Found by a review.
//
// Seen failing before the fix: client 2 answered only 1m0s after client
// 1's request ended (the idle timeout), with 0 evictions.
func TestAtTheCapAnIdledConnectionMakesRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		entered := make(chan struct{}, 1)
		mux := http.NewServeMux()
		mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
			entered <- struct{}{}
			<-release
			_, _ = io.WriteString(w, "done\n")
		})
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
		o := Default()
		o.MaxConns = 1
		o.MaxInFlight = 1 // not above max_connections: valid
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
		pl := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
		ln := Wrap(pl, o.MaxConns)
		srv := New(mux, o, nil)
		served := make(chan struct{})
		go func() { defer close(served); _ = srv.Serve(ln) }()

		// Client 1 (a keep-alive client such as Prometheus or AlertManager):
		// one request in progress, the one connection of the cap.
		c1 := pl.dial()
		go func() { _, _ = io.WriteString(c1, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n") }()
		<-entered

		// Client 2 (the kubelet's probe) connects and sends its request.
		c2 := pl.dial()
		got2 := make(chan int, 1)
		go func() {
			if _, err := io.WriteString(c2, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
			if err != nil {
				return
			}
			resp.Body.Close()
			got2 <- resp.StatusCode
		}()
		synctest.Wait()
		select {
		case code := <-got2:
			t.Fatalf("control: client 2 answered %d while the only connection had a request in progress", code)
		default:
		}

		// Client 1's request ends; its connection stays open, idle (keep-alive).
		close(release)
		r1 := bufio.NewReader(c1)
		resp, err := http.ReadResponse(r1, nil)
		if err != nil {
			t.Fatalf("client 1: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		synctest.Wait()

		start := time.Now()
		select {
		case code := <-got2:
			t.Logf("client 2 answered %d at once", code)
		case <-time.After(10 * time.Second): // virtual time
			code := <-got2 // it does come, once the idle timeout closes client 1's connection
			t.Errorf("client 2 (a probe) was answered %d only %v after client 1's request ended (server.idle_timeout %v), "+
				"with client 1's connection idle and evictable all that time (evicted: %d): want it served at once",
				code, time.Since(start), o.IdleTimeout, ln.Evicted())
		}
		c1.Close()
		c2.Close()
		_ = srv.Close()
		<-served
	})
}

package openfaas

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestConcurrentScalesReuseConnections: the actuator sends up to
// actuator.workers (8 by default) scales at once. On an http.Client{} of its
// own the client used http.DefaultTransport, which keeps 2 idle connections
// per host: every round of 8 concurrent calls closed 6 connections and
// opened 6 new ones (with TLS, 6 handshakes), leaving sockets in TIME_WAIT
// on a busy idle pass. Now the client's transport keeps Config.IdleConns.
//
// Seen failing with http.Client{} (DefaultTransport): 62 connections
// opened for 10 rounds of 8, want 8.
func TestConcurrentScalesReuseConnections(t *testing.T) {
	const workers, rounds = 8, 10
	var opened atomic.Int64
	var arrived sync.WaitGroup
	var mu sync.Mutex
	gate := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/system/info" { // read once (cached) before a scale above 1
			_, _ = w.Write([]byte(`{"provider":"faas-netes"}`))
			return
		}
		mu.Lock()
		g := gate
		mu.Unlock()
		arrived.Done()
		<-g // every round's 8 calls are in flight at once
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	cl := newTestClient(t, srv.URL, nil)

	for range rounds {
		arrived.Add(workers)
		mu.Lock()
		gate = make(chan struct{})
		mu.Unlock()
		var done sync.WaitGroup
		for i := range workers {
			done.Go(func() {
				ref := provider.Ref{Name: "fn" + string(rune('a'+i)), Namespace: "openfaas-fn"}
				if err := cl.Scale(t.Context(), ref, 2); err != nil {
					t.Error(err)
				}
			})
		}
		arrived.Wait()
		mu.Lock()
		close(gate)
		mu.Unlock()
		done.Wait()
	}
	if n := opened.Load(); n > workers {
		t.Errorf("%d connections opened for %d rounds of %d concurrent scales, want %d", n, rounds, workers, workers)
	}
}

// TestLargeErrorBodiesKeepTheConnection: an error reply is read only as far
// as its message needs (2 KiB); closing a body with more left unread makes
// net/http drop the keep-alive connection, so a provider answering errors
// with large bodies (an HTML error page from a proxy, a stack trace) cost a
// new connection, with TLS a handshake, per call. The rest is drained, up
// to maxDrain, before the body is closed.
//
// Seen failing before the drain: 12 connections opened for 12 error
// replies with 16384-byte bodies, want 1.
func TestLargeErrorBodiesKeepTheConnection(t *testing.T) {
	const calls = 12
	page := strings.Repeat("<p>proxy error page</p>\n", 16384/24+1)[:16384]
	var opened atomic.Int64
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// 404 on a read, 400 and 500 on a scale: none is retried, so each
		// call is one request.
		status := http.StatusNotFound
		if r.Method == http.MethodPost {
			status = []int{http.StatusBadRequest, http.StatusInternalServerError}[n.Add(1)%2]
		}
		http.Error(w, page, status)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	cl := newTestClient(t, srv.URL, nil)
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	for i := range calls {
		var err error
		if i%2 == 0 {
			_, err = cl.Function(t.Context(), ref)
		} else {
			err = cl.Scale(t.Context(), ref, 2)
		}
		var se *StatusError
		var refused *provider.RefusedError
		if !errors.As(err, &se) && !errors.As(err, &refused) {
			t.Fatalf("call %d: %v, want an error reply", i, err)
		}
	}
	if got := opened.Load(); got != 1 {
		t.Errorf("%d connections opened for %d error replies with %d-byte bodies, want 1", got, calls, len(page))
	}
}

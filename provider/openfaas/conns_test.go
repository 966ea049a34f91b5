package openfaas

import (
	"net"
	"net/http"
	"net/http/httptest"
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

package prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// A keep-alive connection closed by the server (or a proxy in front of
// Prometheus: nginx's keepalive_timeout is 75 s, Go's idle connections live
// 90 s) just as the next query is sent on it. client_golang marks its query
// POST idempotent (Idempotency-Key, see DoGetFallback) so net/http's
// Transport replays it on a new connection; queryVector's POST is not
// replayable, so the query fails and the pass reads "unavailable".
func TestQueryVectorRetriedOnStaleKeepAlive(t *testing.T) {
	var mu sync.Mutex
	served := map[string]int{} // requests per connection
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served[r.RemoteAddr]++
		n := served[r.RemoteAddr]
		mu.Unlock()
		if n > 1 {
			// The server's side of an idle-timeout race: the request
			// arrives on a connection it is closing.
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(vector(`{"metric":{"function_name":"figlet"},"value":[1700000000,"2.5"]}`)))
	}))
	srv.Start()
	defer srv.Close()

	cfg := DefaultConfig()
	cfg.URL = srv.URL
	cfg.Timeout = 2 * time.Second
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	q := metricsource.LoadQuery{Type: "rps", Window: 30 * time.Second}
	if _, err := src.Load(context.Background(), q); err != nil {
		t.Fatalf("first query: %v", err)
	}
	if _, err := src.Load(context.Background(), q); err != nil {
		t.Errorf("second query, its kept-alive connection closed by the server on arrival: %v (client_golang replays it on a new connection)", err)
	}
}

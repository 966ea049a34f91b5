package prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A read-only proxy in front of Prometheus (or a server with POST
// disabled) answers 405 (or 403 / 501) to a POST. client_golang's Query,
// which the source used before vector.go, then retries the query as a GET
// (DoGetFallback). The hand-written queryVector POSTs only, so every
// Load/Activity fails with ErrUnavailable and no scaling action is taken.
func TestQueryVectorFallsBackToGET(t *testing.T) {
	for _, code := range []int{http.StatusMethodNotAllowed, http.StatusForbidden, http.StatusNotImplemented} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet {
					http.Error(w, "method not allowed", code)
					return
				}
				if r.URL.Query().Get("query") == "" {
					http.Error(w, "no query", http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(vector(`{"metric":{"function_name":"figlet"},"value":[1700000000,"2.5"]}`)))
			}))
			defer srv.Close()
			cfg := DefaultConfig()
			cfg.URL = srv.URL
			cfg.Timeout = time.Second
			src, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: "rps", Window: 30 * time.Second})
			if err != nil {
				t.Fatalf("Load through a GET-only server: %v (client_golang falls back to GET on %d)", err, code)
			}
			if v := got[provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}]; v != 2.5 {
				t.Fatalf("figlet = %v, want 2.5 (got %v)", v, got)
			}
		})
	}
}

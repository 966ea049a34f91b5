package controller

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"
)

// TestExplainListWithTheScalerOffShowsReplicas: with scaler.enabled: false
// the list comes from the idler, whose lister gave every function a zero
// explain.Function: GET /api/v1/functions answered "replicas": 0,
// "desired_replicas": 0 for a function running 3 — read as "the controller
// wants it at zero" — and "available_replicas": 0, a count nobody read.
// The idler's last cycle knows the replicas; the ready count is unknown
// (null), and with no scaler the controller targets what runs.
func TestExplainListWithTheScalerOffShowsReplicas(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false
		s := newStack(t, cfg, Wiring{}, fn{name: "web", replicas: 3})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(30 * time.Second)
		mux := Mux(s.ctl, http.NotFoundHandler(), s.reg, func() error { return nil })

		type counts struct {
			Replicas  *uint64 `json:"replicas"`
			Available *uint64 `json:"available_replicas"`
			Desired   *uint64 `json:"desired_replicas"`
		}
		check := func(what string, c counts, raw []byte) {
			t.Helper()
			if c.Replicas == nil || *c.Replicas != 3 || c.Desired == nil || *c.Desired != 3 || c.Available != nil {
				t.Errorf("%s with scaler.enabled false: %s\nwant replicas 3, desired_replicas 3 and available_replicas null (unknown)", what, raw)
			}
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions", nil))
		var list struct {
			Functions []json.RawMessage `json:"functions"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Functions) != 1 {
			t.Fatalf("GET /api/v1/functions: %v: %s", err, rec.Body)
		}
		var c counts
		if err := json.Unmarshal(list.Functions[0], &c); err != nil {
			t.Fatal(err)
		}
		check("GET /api/v1/functions", c, list.Functions[0])

		rec = httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/"+ns+"/web", nil))
		c = counts{}
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		check("GET /api/v1/functions/"+ns+"/web", c, rec.Body.Bytes())
	})
}

package controller

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestExplainWithTheScalerOff: with scaler.enabled: false ("only
// scale to zero runs") the idler idles an opted-in function, but the
// explain API (README: "one function: its spec ..., idle state and active
// schedule") never knows any function: its list comes from the scaler
// loop's state, which only Loop.Run fills, and Act does not run the loop.
// Every GET /api/v1/functions/{ns}/{name} is 404 and the idler's "idle"
// section, which holds why the function was idled, is unreachable.
func TestExplainWithTheScalerOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false
		s := newStack(t, cfg, Wiring{}, fn{name: "api", replicas: 1,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "10s")})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(2 * time.Minute)
		if r := s.replicas(t, "api"); r != 0 {
			t.Fatalf("control: the idler did not idle the function with the scaler off: %d replicas", r)
		}
		mux := Mux(s.ctl, http.NotFoundHandler(), s.reg, func() error { return nil })

		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions", nil))
		var list struct {
			Functions []struct {
				Ref string `json:"ref"`
			} `json:"functions"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
			t.Fatalf("GET /api/v1/functions: %v: %s", err, rec.Body)
		}
		if len(list.Functions) != 1 {
			t.Errorf("GET /api/v1/functions with scaler.enabled false lists %d functions, want 1 (the idled one): %s", len(list.Functions), rec.Body)
		}

		rec = httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/"+ns+"/api", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /api/v1/functions/%s/api with scaler.enabled false: %d %s, want 200 with the idler's section", ns, rec.Code, rec.Body)
		}
		var one struct {
			Sections map[string]json.RawMessage `json:"sections"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil {
			t.Fatal(err)
		}
		if _, ok := one.Sections["idle"]; !ok {
			t.Errorf("no idle section in %s", rec.Body)
		}
	})
}

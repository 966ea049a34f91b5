package controller

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestExplainWithTheScalerOffShowsInvalidLabels: the list flags a function
// whose labels do not parse ("invalid": true) and its route names the label
// (spec_error), so an operator finds the functions the controller leaves
// alone. With scaler.enabled false the idler, which lists then, knew the
// label error (its "idle" section: code invalid_label) but the lister left
// both out: the list showed such a function as valid. Found by a review
// helper.
func TestExplainWithTheScalerOffShowsInvalidLabels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false
		s := newStack(t, cfg, Wiring{}, fn{name: "web", replicas: 2, labels: labels(scaler.LabelZero, "maybe")})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(30 * time.Second)
		mux := Mux(s.ctl, http.NotFoundHandler(), s.reg, func() error { return nil })

		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions", nil))
		var list struct {
			Functions []struct {
				Invalid bool `json:"invalid"`
			} `json:"functions"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Functions) != 1 {
			t.Fatalf("GET /api/v1/functions: %d %v: %s", rec.Code, err, rec.Body)
		}
		if !list.Functions[0].Invalid {
			t.Errorf("GET /api/v1/functions with scaler.enabled false: %s\nwant the function with an unparsable %s flagged \"invalid\": true", rec.Body, scaler.LabelZero)
		}

		rec = httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/"+ns+"/web", nil))
		var one struct {
			SpecError *struct {
				Message string `json:"message"`
			} `json:"spec_error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		if one.SpecError == nil || !strings.Contains(one.SpecError.Message, scaler.LabelZero) {
			t.Errorf("GET /api/v1/functions/%s/web with scaler.enabled false: %s\nwant a spec_error naming %s", ns, rec.Body, scaler.LabelZero)
		}
	})
}

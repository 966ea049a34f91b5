package controller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// TestExplainWithNothingEnabledSaysSo: with scaler.enabled and
// idler.enabled both false nothing ever lists the functions, and the explain
// API answered every request, for good, "scaler cannot reach the provider:
// functions not listed yet (starting)" with Retry-After: an operator looked
// for a provider outage there was none of, and a script retried forever.
// The answer names the configuration that explains nothing. Found by a
// review helper.
func TestExplainWithNothingEnabledSaysSo(t *testing.T) {
	cfg := testConfig()
	cfg.Scaler.Enabled, cfg.Idler.Enabled = false, false
	ctl, err := New(cfg, Wiring{}, Deps{Provider: memory.New(clock.Real(), memory.Options{}), Source: scalertest.NewSource(),
		Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ctl.Act(ctx) // a term, ended at once
	mux := Mux(ctl, http.NotFoundHandler(), prometheus.NewRegistry(), func() error { return nil })
	for _, path := range []string{"/api/v1/functions", "/api/v1/functions/" + ns + "/web"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body := rec.Body.String()
		if strings.Contains(body, "provider") || strings.Contains(body, "starting") ||
			!strings.Contains(body, "scaler.enabled") || !strings.Contains(body, "idler.enabled") {
			t.Errorf("GET %s with the scaler and the idler off: %d %s\nwant an answer naming scaler.enabled and idler.enabled, not a provider outage or a start", path, rec.Code, body)
		}
	}
}

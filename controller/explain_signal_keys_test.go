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

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/internal/jsonkeys"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// README (HTTP endpoints): the explain API's "JSON keys are snake_case
// throughout, sections included". After a decision triggered by an
// AlertManager alert, the observation's "signal" object was scaler.Signal
// marshalled without JSON tags: "Ref": {"Name", "Namespace"}, "Status",
// "AlertName", "Load", "ScalingType", "StartsAt", "Received", "Down". Now
// snake_case, the function as "name.namespace". Found by a review helper.
func TestExplainSignalKeysAreSnakeCase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lbl := labels(scaler.LabelTarget, "10", scaler.LabelMax, "20")
		s := newStack(t, testConfig(), Wiring{}, fn{name: "api", replicas: 1, labels: lbl})
		h, err := alerts.NewHandler(alerts.Config{Sink: s.ctl.Loop, DefaultNamespace: ns, Auth: alerts.AuthNone})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(5 * time.Second)
		mux := Mux(s.ctl, h, s.reg, func() error { return nil })

		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/system/alert", strings.NewReader(alertBody(map[string]float64{"api": 80}))))
		if rec.Code != http.StatusOK {
			t.Fatalf("webhook: %d %s", rec.Code, rec.Body)
		}
		synctest.Wait()

		rec = httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/"+ns+"/api", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET explain: %d %s", rec.Code, rec.Body)
		}
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		obs, _ := v["observation"].(map[string]any)
		if obs["signal"] == nil {
			t.Fatalf("control: no signal in the observation after an alert: %s", rec.Body)
		}
		jsonkeys.AssertSnakeCase(t, "", v)
		if sig, _ := obs["signal"].(map[string]any); sig["function"] != "api."+ns || sig["alert_name"] == nil {
			t.Errorf("signal %v: want function %q and its alert_name", sig, "api."+ns)
		}
	})
}

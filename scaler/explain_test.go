package scaler

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
)

func TestLoopServesTheExplainAPI(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, map[string]string{LabelDownWindow: "90s"}))
		e.src.Set("rps", refA, 200)
		_ = e.loop.Tick(t.Context(), time.Now())
		time.Sleep(5 * time.Second)
		_ = e.loop.Tick(t.Context(), time.Now())

		rec := httptest.NewRecorder()
		explain.Handler(e.loop).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/openfaas-fn/a", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var got struct {
			Ref             string
			Spec            map[string]any
			Replicas        uint64
			DesiredReplicas uint64 `json:"desired_replicas"`
			Observation     map[string]any
			Decisions       []explain.Decision
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("decode: %v\n%s", err, rec.Body)
		}
		if got.Ref != "a.openfaas-fn" || got.Spec["down_window"] != "1m30s" || got.Spec["type"] != "rps" {
			t.Errorf("ref %q spec %v", got.Ref, got.Spec)
		}
		if got.Observation["stable_load"] != 200.0 || got.Observation["stable_window"] != "1m0s" {
			t.Errorf("observation %v", got.Observation)
		}
		if len(got.Decisions) != 2 || got.Decisions[1].Code != string(CodeBurst) || got.Decisions[1].Result != "ok" ||
			got.Decisions[0].Replicas != 5 || got.Decisions[0].Scale {
			t.Errorf("decisions, newest first: %+v", got.Decisions)
		}
		if got.Replicas != 5 || got.DesiredReplicas != 5 {
			t.Errorf("replicas %d desired %d, want 5 and 5", got.Replicas, got.DesiredReplicas)
		}
	})
}

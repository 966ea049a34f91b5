package scaler

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// gatedSource is a metrics source whose load queries wait for release, as
// a slow or hanging Prometheus makes a pass wait: asked is closed at the
// first query.
type gatedSource struct {
	src            *scalertest.Source
	asked, release chan struct{}
}

// Load and Activity are its only methods (the source is a field, not
// embedded: no AlignedLoad, no parts), so every query of the pass waits
// here.
func (s gatedSource) Load(ctx context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	select {
	case <-s.asked:
	default:
		close(s.asked)
	}
	<-s.release
	return s.src.Load(ctx, q)
}

func (s gatedSource) Activity(ctx context.Context, w time.Duration) (metricsource.Activity, error) {
	return s.src.Activity(ctx, w)
}

// TestExplainBeforeTheFirstDecisionIsNotZero: a pass lists the functions
// (the explain API is then listed: no more 503) and only then asks the
// source for their loads, which takes as long as the metrics source does
// (seconds with a loaded Prometheus, its timeout with a hanging one).
// Meanwhile a function seen for the first time (every function at a start
// or a failover, a new one later) was served as the zero fnState it was
// created as: "replicas": 0, "available_replicas": 0, "desired_replicas": 0
// and an observation of 0 replicas for a function running 3 — read as "the
// controller wants it at zero" — where the metrics (snapshot: decided
// functions only) left it out. The listing's counts are what is known, and
// no observation was used by a decision that has not been made. Found by a
// review helper.
func TestExplainBeforeTheFirstDecisionIsNotZero(t *testing.T) {
	src := gatedSource{src: scalertest.NewSource(), asked: make(chan struct{}), release: make(chan struct{})}
	src.src.Set("rps", refA, 10)
	e := newLoopEnv(t, func(c *LoopConfig) { c.Source = src }, function(refA, 3, nil))
	done := make(chan error)
	go func() { done <- e.loop.Tick(t.Context(), t0) }()
	<-src.asked // listed; no decision made yet

	rec := httptest.NewRecorder()
	explain.Handler(e.loop).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/openfaas-fn/a", nil))
	var got struct {
		Replicas    *uint64        `json:"replicas"`
		Available   *uint64        `json:"available_replicas"`
		Desired     *uint64        `json:"desired_replicas"`
		Observation map[string]any `json:"observation"`
	}
	err := json.Unmarshal(rec.Body.Bytes(), &got)
	close(src.release)
	if tickErr := <-done; tickErr != nil {
		t.Fatal(tickErr)
	}
	if rec.Code != http.StatusOK || err != nil {
		t.Fatalf("GET during the first pass: %d %s (%v)", rec.Code, rec.Body, err)
	}
	if got.Replicas == nil || *got.Replicas != 3 || got.Available == nil || *got.Available != 3 ||
		got.Desired == nil || *got.Desired != 3 || got.Observation != nil {
		t.Errorf("a function listed at 3 replicas and not decided yet explained as:\n%s\nwant replicas 3, available_replicas 3, "+
			"desired_replicas 3 (the listing's: nothing decided) and no observation", rec.Body)
	}

	// Once decided, the decision's own.
	f, ok := e.loop.Explain(refA)
	if !ok || f.Observation == nil || len(f.Decisions) != 1 || f.Replicas != 3 {
		t.Errorf("after the pass: %+v, want the decision and its observation", f)
	}
}

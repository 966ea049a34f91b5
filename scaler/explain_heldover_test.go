package scaler

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// switchedGate is a metrics source whose load queries wait for gate while
// one is set: a slow or hanging Prometheus during one term's first pass.
type switchedGate struct {
	metricsource.Source
	testGate
}

func (s *switchedGate) Load(ctx context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Source.Load(ctx, q)
}

// TestExplainInANewTermWaitsForItsFirstDecision: a replica that leads
// again (leader election failing over back and forth) keeps its functions
// as its last term left them. Its first pass of the new term lists, then
// waits for the metrics source (up to prometheus.timeout) before it
// decides; meanwhile the explain API answers 503 with Retry-After, saying
// why, not the last term's counts and decisions as current. The webhook
// (Notify) needs only the listing and accepts. Once the pass has decided,
// the API answers with what this term read.
//
// Seen failing before the fix: the 503 was lifted as soon as the pass had
// listed, and the function the other leader had scaled from 8 to 1 an hour
// before was served 200 with "replicas": 8, "desired_replicas": 8 and the
// decisions of an hour before, though the listing had just read 1.
func TestExplainInANewTermWaitsForItsFirstDecision(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var src *switchedGate
		e := newLoopEnv(t, func(c *LoopConfig) {
			src = &switchedGate{Source: c.Source}
			c.Source = src
		}, function(refA, 8, nil))
		h := explain.Handler(e.loop)
		get := func(path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			return rec
		}
		one := "/api/v1/functions/openfaas-fn/a"
		var f explain.Function

		// Term 1.
		ctx1, end1 := context.WithCancel(t.Context())
		done1 := make(chan struct{})
		go func() { _ = e.loop.Run(ctx1); close(done1) }()
		synctest.Wait()
		if rec := get(one); rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &f) != nil || f.Replicas != 8 {
			t.Fatalf("control, term 1: %d %s", rec.Code, rec.Body)
		}
		end1()
		<-done1

		// An hour as a follower: the other leader scaled it to 1.
		time.Sleep(time.Hour)
		if err := e.prov.Scale(context.Background(), refA, 1); err != nil {
			t.Fatal(err)
		}

		// Term 2: its first pass lists, then waits for the source.
		gate := make(chan struct{})
		src.setGate(gate)
		term2 := time.Now()
		ctx2, end2 := context.WithCancel(t.Context())
		done2 := make(chan struct{})
		go func() { _ = e.loop.Run(ctx2); close(done2) }()
		synctest.Wait()
		for _, path := range []string{"/api/v1/functions", one} {
			rec := get(path)
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
				!strings.Contains(rec.Body.String(), "not decided yet in this leadership term") {
				t.Errorf("GET %s, term 2 listed 1 replica, its first pass waiting for the source: %d Retry-After %q %s;\n"+
					"want 503 with Retry-After until the pass decides", path, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
			}
		}
		if err := e.loop.Notify(t.Context(), Signal{Ref: refA, Status: Firing}); err != nil {
			t.Errorf("Notify, term 2 listed: %v; want it accepted (the listing has the function)", err)
		}

		src.setGate(nil)
		close(gate)
		synctest.Wait()
		f = explain.Function{}
		rec := get(one)
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &f) != nil || f.Replicas != 1 || f.DesiredReplicas != 1 ||
			len(f.Decisions) == 0 || f.Decisions[0].At.Before(term2) {
			t.Errorf("term 2 once its first pass decided: %d %s; want 200, replicas 1, desired 1, newest decision of this term", rec.Code, rec.Body)
		}
		end2()
		<-done2
	})
}

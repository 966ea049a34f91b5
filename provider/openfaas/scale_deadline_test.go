package openfaas

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestAScaleSentOnceHasItsCallersDeadline: a scale is sent once, so its
// caller's deadline (the actuator's actuator.call_timeout on each write)
// bounds it, not the per-attempt Timeout, which is there to give a retry a
// budget of its own. Cut at Timeout (5 s shipped, not configurable), every
// scale a gateway took longer to answer failed, whatever call_timeout said
// at start or after a reload. A read, retried, keeps the per-attempt bound;
// a scale without a caller's deadline keeps it too.
//
// Found by a review (tests only; its test waited on the shipped 5 s). Seen
// failing before the fix: a scale answered after 300ms, Timeout 100ms, the
// caller's deadline 5s: openfaas scale figlet.openfaas-fn: no reply (a
// scale is sent once, not retried): ... context deadline exceeded
func TestAScaleSentOnceHasItsCallersDeadline(t *testing.T) {
	const answerAfter = 300 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(answerAfter):
		}
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	cl := newTestClient(t, srv.URL, func(c *Config) { c.Timeout, c.Retries = 100*time.Millisecond, 1 })
	figlet := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := cl.Scale(ctx, figlet, 2); err != nil {
		t.Errorf("a scale answered after %s, Timeout 100ms, the caller's deadline 5s: %v", answerAfter, err)
	}
	if _, err := cl.Functions(ctx, "openfaas-fn"); err == nil {
		t.Errorf("control: a listing answered after %s, each attempt bounded at 100ms, answered", answerAfter)
	}
	if err := cl.Scale(t.Context(), figlet, 2); err == nil {
		t.Errorf("a scale without a caller's deadline, answered after %s, was not cut at Timeout 100ms", answerAfter)
	}
}

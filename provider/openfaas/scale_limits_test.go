package openfaas

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestScaleRefusesCountsBeyondInt32: faas-netes keeps replicas in a
// Deployment's int32 spec.replicas and converts the request's uint64 with
// int32(req.Replicas) after its "replicas == 0" check and before its CE cap
// (pkg/handlers/replica_updater.go), so 2^32 wraps to 0 and scales the
// function to zero, 2^31 to a negative count. The client refuses such a
// count before sending anything, as provider/kubernetes does.
//
// Seen failing before the fix: Scale(4294967296): err = <nil>, want a
// *provider.RefusedError; 1 requests sent, provider now at 0 replicas.
func TestScaleRefusesCountsBeyondInt32(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	for _, tc := range []struct {
		replicas uint64
		wantSent bool
	}{
		{replicas: math.MaxInt32, wantSent: true},
		{replicas: math.MaxInt32 + 1},
		{replicas: 1 << 32},
		{replicas: math.MaxUint64},
	} {
		g := newFakeGateway(faasNetes)
		g.deploy(fig("openfaas-fn", 1))
		g.hook = func(w http.ResponseWriter, r *http.Request) {
			var req scaleRequest
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Replicas == 0 {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			n := int32(req.Replicas) // as faas-netes converts it
			if n < 0 {
				// The API server rejects a negative spec.replicas.
				http.Error(w, "unable to update function deployment: figlet", http.StatusInternalServerError)
				return
			}
			g.mu.Lock()
			g.fns[ref].Replicas = uint64(n)
			g.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		}
		cl := newTestClient(t, g.start(t, "").URL, nil)
		err := cl.Scale(t.Context(), ref, tc.replicas)
		if tc.wantSent {
			if err != nil || g.requestCount() != 1 {
				t.Errorf("Scale(%d): err %v, %d requests; want it sent", tc.replicas, err, g.requestCount())
			}
			continue
		}
		var refused *provider.RefusedError
		if !errors.As(err, &refused) || refused.Replicas != tc.replicas || refused.Ref != ref {
			t.Errorf("Scale(%d): err = %v, want a *provider.RefusedError for %s", tc.replicas, err, ref)
		}
		if n, got := g.requestCount(), g.replicas(ref); n != 0 || got != 1 {
			t.Errorf("Scale(%d): %d requests sent, provider now at %d replicas; want nothing sent and 1 kept", tc.replicas, n, got)
		}
	}
}

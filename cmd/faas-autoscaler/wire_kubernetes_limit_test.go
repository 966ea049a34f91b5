package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// TestLeaseRenewalsDoNotWaitBehindScaleWrites: the leader's Lease calls
// shared the provider's client and so its rate limiter (50 QPS, burst 100):
// a scale-down wave with many actuator workers queued a renewal behind
// hundreds of writes for longer than the renew deadline, and the leader
// stepped down mid-wave. The Lease calls have a limiter of their own, as
// kube-controller-manager's leader election has a client of its own. Here
// the provider's client spends the only token of a limiter that refills
// once in 1,000 s; a Lease read must not wait for it (client-go refuses at
// once a wait past the context's deadline, so this asserts no timing).
func TestLeaseRenewalsDoNotWaitBehindScaleWrites(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo/scale":
			_, _ = w.Write([]byte(`{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"echo","namespace":"openfaas-fn"},"spec":{"replicas":1}}`))
		case "/apis/coordination.k8s.io/v1/namespaces/openfaas/leases/faas-autoscaler":
			_, _ = w.Write([]byte(`{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"faas-autoscaler","namespace":"openfaas"}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	work, leases, err := kubeClients(&rest.Config{Host: srv.URL, QPS: 0.001, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := work.GetScale(ctx, "openfaas-fn", "echo"); err != nil {
		t.Fatal(err)
	}
	if _, err := leases.GetLease(ctx, "openfaas", "faas-autoscaler"); err != nil {
		t.Errorf("a Lease read after the provider's client spent its rate limit: %v; want it answered (a limiter of its own)", err)
	}
}

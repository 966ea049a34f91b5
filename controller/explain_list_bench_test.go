package controller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// BenchmarkExplainList measures GET /api/v1/functions over a fleet of 10k
// functions the scaler loop has decided for a few passes: what one `curl`
// of the list costs the leader (time, bytes allocated, bytes served).
func BenchmarkExplainList(b *testing.B) {
	const fleet = 10_000
	mem := memory.New(clock.Real(), memory.Options{})
	src := scalertest.NewSource()
	now := time.Now()
	for i := range fleet {
		r := provider.Ref{Name: fmt.Sprintf("fn-%05d", i), Namespace: ns}
		if err := mem.Deploy(provider.Function{Ref: r, Replicas: 2, CreatedAt: now.Add(-time.Hour)}); err != nil {
			b.Fatal(err)
		}
		src.Set("rps", r, float64(i%100))
	}
	ctl, err := New(testConfig(), Wiring{}, Deps{Provider: mem, Source: src, Registerer: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 3 {
		if err := ctl.Loop.Tick(context.Background(), now.Add(time.Duration(i)*2*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	mux := Mux(ctl, http.NotFoundHandler(), prometheus.NewRegistry(), func() error { return nil })
	req := httptest.NewRequest(http.MethodGet, "/api/v1/functions", nil)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "body-bytes")
}

package prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestLoadWhileGatewayScrapesFail: a gateway under heavy load answers its
// /metrics with an error (or its readiness probe fails and the target
// leaves the endpoints): Prometheus marks every gateway series stale at
// the first failed scrape. rate() over the window then reads the samples
// from before the failure divided by the whole window, a load falling
// towards zero while the function is as busy as ever, and the scaler
// scales it down under the load. While no series of a function is
// exported, its rps and cpu are unknown: absent, not lower.
func TestLoadWhileGatewayScrapesFail(t *testing.T) {
	reg := teststack.NewExporter(t).Registry
	gw := teststack.NewGatewayMetrics(reg)
	cpu := newCPUCounter(reg)
	var failing atomic.Bool
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "gateway overloaded", http.StatusServiceUnavailable)
			return
		}
		metrics.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	start := time.Now()
	var done atomic.Int64
	stop := teststack.Every(t, 50*time.Millisecond, func() {
		// 10 calls a second and one busy core, by elapsed time.
		want := int64(time.Since(start).Seconds() * 10)
		for n := done.Load(); n < want; n++ {
			gw.Total.WithLabelValues("busy", "200").Inc()
			cpu.Add(0.1)
		}
		done.Store(max(done.Load(), want))
	})
	defer stop()

	p := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeTargets: []teststack.Target{{Job: "gateway", URL: strings.TrimPrefix(srv.URL, "http://")}},
	})
	src := gatewaySource(t, p, nil)
	p.WaitUp(t, "gateway")
	const window = 8 * time.Second
	load := func(typ string) (float64, bool) {
		got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: typ, Window: window})
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		v, ok := got[busy]
		return v, ok
	}
	waitFor(t, "busy at about 10/s and 1000m", func() bool {
		r, _ := load(metricsource.TypeRPS)
		c, _ := load(metricsource.TypeCPU)
		return r > 9 && c > 900
	})

	failing.Store(true)
	// Three failed scrapes in a row: the window's last 3 s hold no sample.
	p.WaitFor(t, "three failed scrapes", func(ctx context.Context) (bool, error) {
		v, _, _, err := p.API().Query(ctx, `max_over_time(up{job="gateway"}[3s]) == 0 and count_over_time(up{job="gateway"}[3s]) >= 3`, time.Now())
		vec, _ := v.(model.Vector)
		return err == nil && len(vec) == 1, err
	})
	for _, typ := range []string{metricsource.TypeRPS, metricsource.TypeCPU} {
		if v, ok := load(typ); ok {
			t.Errorf("%s: busy reads %.2f while every scrape of the gateway in the last 3s failed, want absent (unknown)", typ, v)
		}
	}

	failing.Store(false)
	waitFor(t, "busy's rps back once the gateway is scraped again", func() bool {
		_, ok := load(metricsource.TypeRPS)
		return ok
	})
}

// newCPUCounter registers the kubelet's pod_cpu_usage_seconds_total for
// busy's one pod on reg (the failing target also stands for a node whose
// kubelet cannot be scraped).
func newCPUCounter(reg *prom.Registry) prom.Counter {
	c := prom.NewCounterVec(prom.CounterOpts{Name: metricCPU, Help: "CPU seconds by function pod."},
		[]string{"function_name", "pod"})
	reg.MustRegister(c)
	return c.WithLabelValues("busy", "busy-1")
}

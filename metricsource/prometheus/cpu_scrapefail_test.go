package prometheus

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestCPUWhileKubeletScrapesFail: the kubelet's /metrics/resource (where
// pod_cpu_usage_seconds_total comes from) exposes every sample with its
// own timestamp, and Prometheus writes no staleness marker for such series
// when a scrape fails. The presence check alone (TestLoadWhileGatewayScrapesFail,
// whose counter has no timestamps) still found busy for up to 5 minutes
// while rate() over the window divided the samples from before the failure
// by the whole window: 680m of a true 1000m after 3 s of failed scrapes.
//
// The kubelet is laid out as kube-prometheus scrapes it: one instance, one
// job, an endpoint per metrics_path; its /metrics/cadvisor endpoint fails
// throughout and must not hide the /metrics/resource series.
func TestCPUWhileKubeletScrapesFail(t *testing.T) {
	start := time.Now()
	var failing atomic.Bool
	resource := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "kubelet unavailable", http.StatusServiceUnavailable)
			return
		}
		now := time.Now()
		// One busy core, with the sample's own timestamp as the kubelet writes it.
		fmt.Fprintf(w, "# TYPE %s counter\n%s{function_name=%q,pod=\"busy-1\"} %g %d\n",
			metricCPU, metricCPU, "busy", now.Sub(start).Seconds(), now.UnixMilli())
	}))
	t.Cleanup(resource.Close)
	cadvisor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cadvisor broken", http.StatusInternalServerError)
	}))
	t.Cleanup(cadvisor.Close)

	node := func(path string) map[string]string {
		return map[string]string{"instance": "node-1", "metrics_path": path}
	}
	p := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeTargets: []teststack.Target{
			{Job: "kubelet", URL: strings.TrimPrefix(resource.URL, "http://"), Labels: node("/metrics/resource")},
			{Job: "kubelet", URL: strings.TrimPrefix(cadvisor.URL, "http://"), Labels: node("/metrics/cadvisor")},
		},
	})
	src := gatewaySource(t, p, nil)
	const window = 8 * time.Second
	load := func() (float64, bool) {
		got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCPU, Window: window})
		if err != nil {
			t.Fatalf("cpu: %v", err)
		}
		v, ok := got[busy]
		return v, ok
	}
	waitFor(t, "busy at about 1000m beside a failing cadvisor endpoint of its kubelet", func() bool {
		c, _ := load()
		return c > 900
	})

	failing.Store(true)
	p.WaitFor(t, "three failed scrapes", func(ctx context.Context) (bool, error) {
		q := `max_over_time(up{job="kubelet",metrics_path="/metrics/resource"}[3s]) == 0 and count_over_time(up{job="kubelet",metrics_path="/metrics/resource"}[3s]) >= 3`
		v, _, _, err := p.API().Query(ctx, q, time.Now())
		vec, _ := v.(model.Vector)
		return err == nil && len(vec) == 1, err
	})
	if v, ok := load(); ok {
		t.Errorf("cpu: busy reads %.0fm while every scrape of its kubelet in the last 3s failed (true load 1000m), want absent (unknown)", v)
	}

	failing.Store(false)
	waitFor(t, "busy's cpu back once its kubelet is scraped again", func() bool {
		_, ok := load()
		return ok
	})
}

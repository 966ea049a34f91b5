package idler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	promsource "github.com/faas-autoscaler/faas-autoscaler/metricsource/prometheus"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestGatewayReplicaGoneIsNotIdle: two gateway replicas, a and b, scraped
// as two instances; rare (opted in, 6 s keep-alive) is called through b
// after b's last scrape, and b's target leaves discovery while a stays.
// No query sees that call, and the window reads as covered by a alone:
// before the fix the idler scaled rare to zero at its first cycle. b's
// share is missing from the sums, so the activity is a lower bound: rare
// is missing_data, its reason naming b, until b's last scrape has left
// the coverage range (the window and a gap bound).
func TestGatewayReplicaGoneIsNotIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	exA, exB := teststack.NewExporter(t), teststack.NewExporter(t)
	gwA, gwB := teststack.NewGatewayMetrics(exA.Registry), teststack.NewGatewayMetrics(exB.Registry)
	gwA.Started.WithLabelValues("rare.openfaas-fn")
	gwB.Started.WithLabelValues("rare.openfaas-fn")
	targets := []teststack.Target{{Job: "gateway", URL: exA.Addr()}, {Job: "gateway", URL: exB.Addr()}}
	prom := teststack.Prometheus(t, teststack.PromOptions{ScrapeInterval: time.Second, ScrapeTargets: targets})
	cfg := promsource.DefaultConfig()
	cfg.URL, cfg.MaxScrapeGap, cfg.CoverageSelector = prom.URL(), 3*time.Second, `up{job="gateway"}`
	src, err := promsource.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const window = 6 * time.Second
	prom.WaitFor(t, "both replicas' scrapes covering the window", func(ctx context.Context) (bool, error) {
		act, err := src.Activity(ctx, window)
		return err == nil && act.Covered, err
	})
	p := newTestProvider(t, memory.Options{}, function("rare", 1, time.Now().Add(-time.Hour), optIn(LabelZeroDuration, "6s")))
	d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Registerer: prometheus.NewRegistry(), Logger: newTextLogger(testLogWriter{t})})
	if err != nil {
		t.Fatal(err)
	}

	if err := prom.Reload(teststack.PromOptions{ScrapeInterval: time.Second, ScrapeTargets: targets[:1]}); err != nil {
		t.Fatal(err)
	}
	prom.WaitFor(t, "b's target gone", func(ctx context.Context) (bool, error) {
		v, _, _, err := prom.API().Query(ctx, `up{instance="`+exB.Addr()+`"}`, time.Now())
		vec, _ := v.(model.Vector)
		return err == nil && len(vec) == 0, err
	})
	gwB.Started.WithLabelValues("rare.openfaas-fn").Inc() // a call through b, after its last scrape

	rep := d.RunOnce(t.Context(), time.Now())
	if len(rep.Idled) != 0 {
		t.Fatalf("idled %v with gateway replica %s gone since its last scrape", rep.Idled, exB.Addr())
	}
	if v := verdictOf(rep, ref("rare")); v.Code != CodeMissingData || !strings.Contains(v.Reason, exB.Addr()) || !strings.Contains(v.Reason, "lower bound") {
		t.Errorf("rare: %s (%s), want missing_data naming %s as a lower bound", v.Code, v.Reason, exB.Addr())
	}
	// Bounded: once b's last scrape is out of the coverage range, the
	// window is a's alone again and rare, called no more, is idled.
	cycleUntil(t, d, 45*time.Second, func() bool { return p.replicas(ref("rare")) == 0 })
}

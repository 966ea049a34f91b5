package main

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/prometheus"
)

// TestPrometheusConfigBoundsTheFeederApart: keep_alive.read_timeout reaches
// the Prometheus source as the bound of the keep-alive feeder's reads, and
// prometheus.timeout stays the bound of the others (the scaler's pass
// waits on those). The two defaults agree, so a source built from its own
// defaults (tests, the scaler's spec check) bounds the reads as run does.
func TestPrometheusConfigBoundsTheFeederApart(t *testing.T) {
	tuning := config.Default()
	if got := tuning.KeepAlive.ReadTimeout; got != prometheus.DefaultStartedTimeout {
		t.Errorf("keep_alive.read_timeout defaults to %s, the source's started timeout to %s", got, prometheus.DefaultStartedTimeout)
	}
	tuning.Prometheus.Timeout, tuning.KeepAlive.ReadTimeout = 7*time.Second, 20*time.Second
	pc := prometheusConfig(runConfig{PrometheusURL: "http://prometheus.openfaas:9090", DefaultNamespace: "openfaas-fn", Tuning: tuning})
	if pc.Timeout != 7*time.Second || pc.StartedTimeout != 20*time.Second {
		t.Fatalf("timeout %s, started timeout %s; want 7s (prometheus.timeout) and 20s (keep_alive.read_timeout)", pc.Timeout, pc.StartedTimeout)
	}
	if err := pc.Validate(); err != nil {
		t.Fatal(err)
	}
}

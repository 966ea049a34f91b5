package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
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

// TestWiredSourcesBoundTheirCalls: the source run wires, Prometheus alone
// or with the NATS backlog under it, bounds every call itself, so the idler
// waits for a window's read (in chunks at a large fleet, longer than
// actuator.call_timeout) instead of cutting it at the actuator's write
// deadline (metricsource.Bounded).
func TestWiredSourcesBoundTheirCalls(t *testing.T) {
	c := runConfig{PrometheusURL: "http://prometheus.openfaas:9090", DefaultNamespace: "openfaas-fn", Tuning: config.Default()}
	p := &process{cfg: c, log: slog.New(slog.DiscardHandler), clk: clock.Real()}
	if err := p.wirePrometheus(); err != nil {
		t.Fatal(err)
	}
	if !metricsource.BoundsItsCalls(p.source) {
		t.Errorf("the Prometheus source (%T) does not say it bounds its calls", p.source)
	}
	p.cfg.NATSURL, p.cfg.NATSStream, p.cfg.NATSSubject, p.cfg.NATSTimeout = "nats://127.0.0.1:1", jetstream.DefaultStream, jetstream.DefaultSubject, jetstream.DefaultTimeout
	if err := p.wireNATS(); err != nil {
		t.Fatal(err)
	}
	if !metricsource.BoundsItsCalls(p.source) {
		t.Errorf("Prometheus with the NATS backlog (%T) does not say it bounds its calls", p.source)
	}
}

package controller

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// stack is the whole controller assembly on one process's worth of fakes
// that behave like the real systems: the memory provider (replicas that take
// a cold start to become ready), the simulated OpenFaaS gateway in front of
// it (requests, metrics, scale from zero) and the embedded metrics source
// scraping the gateway's /metrics text. Inside a synctest bubble it all runs
// on virtual time.
type stack struct {
	mem *memory.Provider
	gw  *gatewaysim.Gateway
	src *embedded.Source
	ctl *Controller
	reg *prometheus.Registry
}

const ns = "openfaas-fn"

func ref(name string) provider.Ref { return provider.Ref{Name: name, Namespace: ns} }

// testConfig is the shipped configuration with timings short enough for
// tests: a 20 s stable window (so a 10 s zero-duration is shorter than it,
// the case where the idler and the scaler used to fight) and a 5 s idler.
func testConfig() config.Config {
	c := config.Default()
	c.Scaler.Interval = 2 * time.Second
	c.Scaler.StableWindow = 20 * time.Second
	c.Scaler.BurstWindow = 4 * time.Second
	c.Idler.Schedule = "@every 5s"
	c.KeepAlive.RebuildLookback = 0
	return c
}

// fn is a function deployed at replicas with labels, and its load.
type fn struct {
	name     string
	replicas uint64
	labels   map[string]string
	work     gatewaysim.Workload
}

func newStack(t *testing.T, cfg config.Config, w Wiring, fns ...fn) *stack {
	t.Helper()
	s := &stack{mem: memory.New(clock.Real(), memory.Options{ColdStart: 2 * time.Second}), reg: prometheus.NewRegistry()}
	gw, err := gatewaysim.New(gatewaysim.Config{Provider: s.mem, ScaleFromZero: true, Inflight: true})
	if err != nil {
		t.Fatal(err)
	}
	s.gw = gw
	now := time.Now()
	for _, f := range fns {
		r := ref(f.name)
		if err := s.mem.Deploy(provider.Function{Ref: r, Labels: f.labels, Replicas: f.replicas, CreatedAt: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		gw.SetWorkload(r, f.work)
	}
	ec := embedded.DefaultConfig()
	ec.Fetch, ec.Interval, ec.DefaultNamespace = gw.Scrape, time.Second, ns
	src, err := embedded.New(ec)
	if err != nil {
		t.Fatal(err)
	}
	s.src = src
	ctl, err := New(cfg, w, Deps{Provider: provider.Instrument(s.mem, s.reg), Source: src, Registerer: s.reg})
	if err != nil {
		t.Fatal(err)
	}
	s.ctl = ctl
	return s
}

// run runs the gateway, the source and the controller's acting parts until
// ctx ends; the acting parts start after two scrapes, as in `run`.
func (s *stack) run(ctx context.Context) {
	go func() { _ = s.gw.Run(ctx) }()
	go func() { _ = s.src.Run(ctx) }()
	go func() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(2100 * time.Millisecond):
		}
		s.ctl.Act(ctx)
	}()
}

// replicas is the function's desired count now.
func (s *stack) replicas(t *testing.T, name string) uint64 {
	t.Helper()
	f, err := s.mem.Function(context.Background(), ref(name))
	if err != nil {
		t.Fatal(err)
	}
	return f.Replicas
}

// writes are the changing writes to name, oldest first.
func (s *stack) writes(name string) []memory.ScaleCall {
	var out []memory.ScaleCall
	for _, c := range s.mem.Calls() {
		if c.Ref == ref(name) && c.Changed() {
			out = append(out, c)
		}
	}
	return out
}

func labels(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

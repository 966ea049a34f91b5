package prometheus

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestGatewayScrapedByTwoJobs: two gateway replicas (two exporters, two
// instances), each scraped by two jobs of one Prometheus, as when the
// chart's pod-annotation job and a ServiceMonitor both find the gateway.
// Every gateway series is stored twice, differing only in job. The two
// replicas' loads add up; the second job's copies must not:
//   - busy: 3 + 2 in flight (gauge), 6 + 4 calls/s: capacity 5, rps 10;
//   - arr: no gauge, 4 + 2 calls/s of 1 s each: capacity ~6 (arrivals);
//   - once: 3 + 2 calls, then none: 5 started;
//   - ce: no gauge, started 5 + 1, ended 3 + 1: 2 in flight (derived).
//
// Seen failing before the dedupe: every one of them read twice its load.
// The source WARNs naming each instance and its two jobs.
func TestGatewayScrapedByTwoJobs(t *testing.T) {
	var (
		gws     [2]*teststack.GatewayMetrics
		targets []teststack.Target
	)
	for i := range gws {
		ex := teststack.NewExporter(t)
		gws[i] = teststack.NewGatewayMetrics(ex.Registry)
		for _, job := range []string{"gateway", "gateway-servicemonitor"} {
			targets = append(targets, teststack.Target{Job: job, URL: ex.Addr()})
		}
	}
	a, b := gws[0], gws[1]
	for _, g := range gws { // every deployed function's replica gauge, on every gateway
		for _, fn := range []string{"busy", "arr", "once", "ce"} {
			g.Replicas.WithLabelValues(fn).Set(1)
		}
	}
	a.Inflight.WithLabelValues("busy").Set(3)
	b.Inflight.WithLabelValues("busy").Set(2)
	a.Started.WithLabelValues("once").Add(3)
	b.Started.WithLabelValues("once").Add(2)
	a.Started.WithLabelValues("ce").Add(5)
	a.Total.WithLabelValues("ce", "200").Add(3)
	b.Started.WithLabelValues("ce").Add(1)
	b.Total.WithLabelValues("ce", "200").Add(1)

	// Counts follow elapsed time, not ticks, so the rates stay exact on a
	// busy machine.
	start := time.Now()
	var mu sync.Mutex
	done := map[string]int{}
	calls := func(key string, rate float64, fn func()) {
		for ; done[key] < int(time.Since(start).Seconds()*rate); done[key]++ {
			fn()
		}
	}
	stop := teststack.Every(t, 50*time.Millisecond, func() {
		mu.Lock()
		defer mu.Unlock()
		for i, g := range gws {
			scale := float64(2 - i) // replica a twice b's
			calls(string(rune('a'+i))+"busy", 2+2*scale, func() {
				g.Started.WithLabelValues("busy").Inc()
				g.Total.WithLabelValues("busy", "200").Inc()
			})
			calls(string(rune('a'+i))+"arr", 2*scale, func() {
				g.Started.WithLabelValues("arr").Inc()
				g.Total.WithLabelValues("arr", "200").Inc()
				g.Seconds.WithLabelValues("arr", "200").Observe(1)
			})
		}
	})
	defer stop()

	p := teststack.Prometheus(t, teststack.PromOptions{ScrapeTargets: targets})
	var logMu sync.Mutex
	var logs bytes.Buffer
	src := gatewaySource(t, p, func(c *Config) {
		c.MaxScrapeGap = 3 * time.Second
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	p.WaitUp(t, "gateway")
	p.WaitUp(t, "gateway-servicemonitor")
	// Every target scraped for a whole rate window, as an event.
	p.WaitFor(t, "8 scrapes of each of the four targets", func(ctx context.Context) (bool, error) {
		v, _, _, err := p.API().Query(ctx, `count(count_over_time(up[8s]) >= 8) == 4`, time.Now())
		vec, _ := v.(model.Vector)
		return err == nil && len(vec) == 1, err
	})

	ref := func(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }
	t.Run("capacity", func(t *testing.T) {
		got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if got[ref("busy")] < 5 || got[ref("busy")] > 5*1.3 {
			t.Errorf("busy capacity = %v, want 3 + 2 in flight = 5 (the arrivals part may top it by a little)", got[ref("busy")])
		}
		within(t, "arr capacity", got, ref("arr"), 6, 0.35)
	})
	t.Run("rps", func(t *testing.T) {
		got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		within(t, "busy rps", got, ref("busy"), 10, 0.25)
	})
	// The first load read ran the duplicate check (duplicates.go).
	t.Run("warned", func(t *testing.T) {
		logMu.Lock()
		defer logMu.Unlock()
		for _, g := range []teststack.Target{targets[0], targets[2]} {
			if want := g.URL + ": gateway, gateway-servicemonitor"; !strings.Contains(logs.String(), want) {
				t.Errorf("no WARN naming %q:\n%s", want, logs.String())
			}
		}
	})
	t.Run("activity", func(t *testing.T) {
		act, err := src.Activity(context.Background(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got := act.Started[ref("once")]; got != 5 {
			t.Errorf("once started = %v, want 3 + 2 = 5", got)
		}
		if got := act.Inflight[ref("busy")]; got != 5 {
			t.Errorf("busy in flight = %v, want 3 + 2 = 5", got)
		}
		if got := act.Inflight[ref("ce")]; got != 2 {
			t.Errorf("ce in flight (started - ended) = %v, want 6 - 4 = 2", got)
		}
	})
}

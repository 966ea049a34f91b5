package idler

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	promsource "github.com/faas-autoscaler/faas-autoscaler/metricsource/prometheus"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// Against a real Prometheus scraping a test gateway exporter every second:
// an opted-in idle function (invoked once, and one never invoked) goes to
// zero after its 6 s keep-alive; a busy one and a non-opted one stay; with
// Prometheus stopped nothing is idled; once it is back and has observed a
// whole window again, idling resumes.
func TestRealPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	ex := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(ex.Registry)
	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeInterval: time.Second,
		ScrapeTargets:  []teststack.Target{{Job: "gateway", URL: ex.Addr()}},
	})
	prom.WaitUp(t, "gateway")

	cfg := promsource.DefaultConfig()
	cfg.URL, cfg.MaxScrapeGap = prom.URL(), 3*time.Second
	src, err := promsource.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	keep := optIn(LabelZeroDuration, "6s")
	p := newTestProvider(t, memory.Options{},
		function("idle", 1, old, keep),
		function("never", 1, old, keep),
		function("busy", 1, old, keep),
		function("plain", 1, old, nil),
	)
	d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Registerer: prometheus.NewRegistry(), Logger: newTextLogger(testLogWriter{t})})
	if err != nil {
		t.Fatal(err)
	}

	gw.Started.WithLabelValues("idle.openfaas-fn").Inc()
	gw.Total.WithLabelValues("idle.openfaas-fn", "200").Inc()
	gw.Inflight.WithLabelValues("idle.openfaas-fn").Set(0)
	// busy: an invocation every 500 ms
	teststack.Every(t, 500*time.Millisecond, func() { gw.Started.WithLabelValues("busy.openfaas-fn").Inc() })

	atZero := func(names ...string) bool {
		for _, n := range names {
			if p.replicas(ref(n)) != 0 {
				return false
			}
		}
		return true
	}
	cycleUntil(t, d, 45*time.Second, func() bool { return atZero("idle", "never") })
	if p.replicas(ref("busy")) != 1 || p.replicas(ref("plain")) != 1 {
		t.Fatalf("busy %d, plain %d replicas; want 1 each", p.replicas(ref("busy")), p.replicas(ref("plain")))
	}

	// Prometheus gone: nothing is idled, and the metric says why.
	restore := func() {
		for _, n := range []string{"idle", "never"} {
			if err := p.Scale(t.Context(), ref(n), 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	restore()
	if err := prom.Stop(); err != nil {
		t.Fatal(err)
	}
	before := testutil.ToFloat64(d.m.missingData.WithLabelValues(missingSourceError))
	for range 3 {
		rep := d.RunOnce(t.Context(), time.Now())
		if len(rep.Idled) != 0 {
			t.Fatalf("idled %v with Prometheus stopped", rep.Idled)
		}
		if v := verdictOf(rep, ref("idle")); v.Code != CodeMissingData {
			t.Fatalf("idle verdict %s (%s), want missing_data", v.Code, v.Reason)
		}
	}
	if got := testutil.ToFloat64(d.m.missingData.WithLabelValues(missingSourceError)) - before; got != 3 {
		t.Errorf("missing_data_cycles_total{reason=source_error} grew by %v, want 3", got)
	}

	// Back: right after the restart the window is not covered (the gap is in
	// it), so still nothing; after a whole quiet window, idling resumes.
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	prom.WaitUp(t, "gateway")
	if rep := d.RunOnce(t.Context(), time.Now()); len(rep.Idled) != 0 {
		t.Fatalf("idled %v right after Prometheus came back", rep.Idled)
	}
	cycleUntil(t, d, 45*time.Second, func() bool { return atZero("idle", "never") })
	if p.replicas(ref("busy")) != 1 || p.replicas(ref("plain")) != 1 {
		t.Fatal("busy or plain idled after the restart")
	}
}

// cycleUntil runs a cycle every second until cond holds, failing after limit.
func cycleUntil(t *testing.T, d *Idler, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", limit)
		}
		rep := d.RunOnce(t.Context(), time.Now())
		for _, v := range rep.Verdicts {
			t.Logf("%s: %s (%s)", v.Ref, v.Code, v.Reason)
		}
		time.Sleep(time.Second)
	}
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(b))
	return len(b), nil
}

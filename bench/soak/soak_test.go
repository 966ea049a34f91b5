package soak

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/e2e"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// Environment of `make soak`.
const (
	envRun      = "FAAS_SOAK"         // 1 runs the soak; otherwise TestSoak skips
	envDuration = "SOAK_DURATION"     // Go duration, default 30m (3m is a smoke run)
	envOut      = "SOAK_OUT"          // directory for soak.csv, soak.svg, soak.md (default: a temp dir)
	envHeap     = "SOAK_HEAP_PROFILE" // a file for the controller's heap profile at the end (default: none)
)

// The shape of the soak.
const (
	functions   = 1000
	namespace   = "openfaas-fn"
	sampleEvery = 10 * time.Second
	loadEvery   = time.Minute     // every function's rate is redrawn this often
	stormEvery  = sampleEvery     // one alert storm per sample, so every sample has a p99
	stormPosts  = 20              // webhook posts per storm
	stormConc   = 10              // of them at once
	stormAlerts = 20              // alerts per post
	zeroEvery   = 3               // every 3rd function opts in to scale to zero
	keepAlive   = 2 * time.Minute // its zero-duration
)

// shipped are the controller's shipped timings (the e2e harness's are
// test-sized) with a 2m down window and a 30 s scrape gap, on the harness's
// coverage selector; the idler keeps its 30 s default schedule.
func shipped(c *config.Config) {
	sel := c.Prometheus.CoverageSelector
	*c = config.Default()
	c.Prometheus.CoverageSelector = sel
	c.Defaults.DownWindow = 2 * time.Minute
	c.Prometheus.MaxScrapeGap = 30 * time.Second
}

func ref(i int) provider.Ref {
	return provider.Ref{Name: fmt.Sprintf("f-%04d", i), Namespace: namespace}
}

// TestSoak runs the controller on the real stack with 1,000 functions for
// SOAK_DURATION and writes what it sampled. See the package doc.
func TestSoak(t *testing.T) {
	if os.Getenv(envRun) != "1" {
		t.Skipf("soak: set %s=1 (make soak)", envRun)
	}
	duration := 30 * time.Minute
	if v := os.Getenv(envDuration); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			t.Fatalf("%s=%q: want a Go duration of at least 1m", envDuration, v)
		}
		duration = d
	}
	out := os.Getenv(envOut)
	if out == "" {
		out = t.TempDir()
	}
	bin, err := e2e.BuildController(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fns := make([]provider.Function, functions)
	for i := range fns {
		labels := []string{"com.openfaas.scale.max", "10"}
		if i%zeroEvery == 0 {
			labels = append(labels, "com.openfaas.scale.zero", "true", "com.openfaas.scale.zero-duration", keepAlive.String())
		}
		fns[i] = e2e.NewFunction(ref(i), labels...)
	}
	ro := rules.ForScrapeInterval(5 * time.Second)
	debugAddr, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	st := e2e.Start(t, e2e.Options{
		Binary: bin, ScrapeInterval: 5 * time.Second, EvalInterval: 5 * time.Second, Rules: &ro,
		Functions: fns, Config: shipped, ControllerArgs: []string{"--log-level", "info", "--debug-listen", debugAddr},
	})
	t.Logf("stack up: %d functions; soaking for %s", functions, duration)

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	rng := rand.New(rand.NewPCG(15, 1000)) // the same load every run
	var lat latencies
	var wg sync.WaitGroup
	wg.Go(func() { every(ctx, loadEvery, func() { redrawLoad(st, rng) }) })
	wg.Go(func() { every(ctx, stormEvery, func() { storm(ctx, st, &lat) }) })

	start := time.Now()
	var samples []Sample
	failures := 0
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
		}
		at := time.Since(start)
		if done && len(samples) > 0 && at-samples[len(samples)-1].At < sampleEvery/2 {
			break // the last tick was the end
		}
		s, err := sample(st, at, &lat)
		if err != nil {
			// The controller died or stopped answering: that is a finding.
			if failures++; failures >= 3 {
				t.Fatalf("controller /metrics failed 3 times in a row at %s: %v", time.Since(start).Round(time.Second), err)
			}
			continue
		}
		failures = 0
		samples = append(samples, s)
		if len(samples)%30 == 0 {
			t.Logf("%s", progressLine(s))
		}
	}
	cancel()
	wg.Wait()
	if path := os.Getenv(envHeap); path != "" {
		if err := testenv.SaveHeapProfile("http://"+debugAddr, path); err != nil {
			t.Errorf("heap profile: %v", err)
		} else {
			t.Logf("heap profile: %s", path)
		}
	}
	write(t, out, duration, samples)
}

// every runs f now and then every period until ctx ends.
func every(ctx context.Context, period time.Duration, f func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		f()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// redrawLoad gives every function a new rate: a third idle, most light,
// a few bursts that need several replicas (target 50 rps per replica).
func redrawLoad(st *e2e.Stack, rng *rand.Rand) {
	for i := range functions {
		var rps float64
		switch p := rng.Float64(); {
		case p < 0.30:
			rps = 0
		case p < 0.85:
			rps = 1 + rng.Float64()*19
		default:
			rps = 50 + rng.Float64()*350
		}
		st.SetRPS(ref(i), rps)
	}
}

// latencies collects the storm posts of the current sampling period.
type latencies struct {
	mu     sync.Mutex
	ds     []time.Duration
	failed int
}

func (l *latencies) add(d time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ds = append(l.ds, d)
	if !ok {
		l.failed++
	}
}

func (l *latencies) take() ([]time.Duration, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ds, failed := l.ds, l.failed
	l.ds, l.failed = nil, 0
	return ds, failed
}

// storm posts stormPosts AlertManager notifications, stormConc at a time,
// each with stormAlerts alerts on random functions (firing or resolved),
// one post in ten naming functions that do not exist.
func storm(ctx context.Context, st *e2e.Stack, lat *latencies) {
	client := &http.Client{Timeout: 30 * time.Second}
	sem := make(chan struct{}, stormConc)
	var wg sync.WaitGroup
	for p := range stormPosts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			body := notification(p)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, st.Controller.URL()+"/system/alert", strings.NewReader(body))
			if err != nil {
				return
			}
			req.SetBasicAuth(st.User, st.Password)
			req.Header.Set("Content-Type", "application/json")
			t0 := time.Now()
			resp, err := client.Do(req)
			if ctx.Err() != nil {
				return // the soak ended mid-post: not a measurement
			}
			if err != nil {
				lat.add(time.Since(t0), false)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat.add(time.Since(t0), resp.StatusCode == http.StatusOK)
		})
	}
	wg.Wait()
}

// notification is one AlertManager v4 webhook body.
func notification(p int) string {
	var alerts []string
	now := time.Now().UTC().Format(time.RFC3339)
	for a := range stormAlerts {
		name := ref((p*stormAlerts + a*37 + int(time.Now().Unix())) % functions).String()
		if p%10 == 9 {
			name = fmt.Sprintf("bogus-%d-%d.%s", p, a, namespace)
		}
		status := "firing"
		if a%3 == 2 {
			status = "resolved"
		}
		alerts = append(alerts, fmt.Sprintf(`{"status":%q,"labels":{"alertname":"APIHighInvocationRate","function_name":%q},"annotations":{},"startsAt":%q}`,
			status, name, now))
	}
	return `{"receiver":"scaler","status":"firing","alerts":[` + strings.Join(alerts, ",") + `]}`
}

// sample reads the controller's resources and takes the period's webhook
// latencies.
func sample(st *e2e.Stack, at time.Duration, lat *latencies) (Sample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fams, err := st.Controller.Metrics(ctx)
	if err != nil {
		return Sample{}, err
	}
	ds, failed := lat.take()
	return sampleOf(at, func(name string) (float64, bool) { return e2e.MetricValue(fams, name, nil) }, ds, failed), nil
}

// write saves the CSV, the chart and the table under dir.
func write(t *testing.T, dir string, duration time.Duration, ss []Sample) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]func(io.Writer) error{
		"soak.csv": func(w io.Writer) error { return WriteCSV(w, ss) },
		"soak.svg": func(w io.Writer) error {
			return WriteSVG(w, fmt.Sprintf("Soak: %d functions, %s, real Prometheus and AlertManager", functions, duration), ss)
		},
		"soak.md": func(w io.Writer) error { return WriteTable(w, ss, max(duration/6, time.Minute)) },
	}
	for name, f := range files {
		fh, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := f(fh); err != nil {
			t.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s/soak.{csv,svg,md}: %d samples", dir, len(ss))
}

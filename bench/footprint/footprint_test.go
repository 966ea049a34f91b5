package footprint

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/e2e"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// Settings, from the environment (defaults in brackets):
// FOOTPRINT_FUNCTIONS [10000] idle functions on the gateway;
// FOOTPRINT_DURATION [3m] how long the controller runs after its start;
// FOOTPRINT_HEAP_PROFILE [none] a file to write the controller's heap
// profile to at the end (read it with go tool pprof -top -inuse_space);
// FOOTPRINT_SCRAPER [prometheus] who reads the controller's /metrics every
// 5 s: prometheus, or harness (this test reads and discards it, the same
// work for the controller; at 100,000 functions Prometheus would ingest
// 700,000 series every 5 s on a shared machine);
// FOOTPRINT_GOMEMLIMIT [none] GOMEMLIMIT for the controller only (Go's
// soft memory limit, e.g. 40MiB), to measure what it trades;
// FOOTPRINT_GOGC [none] GOGC for the controller only, likewise;
// FOOTPRINT_PROVIDER [openfaas] openfaas: the controller lists the
// simulated gateway's functions over its REST API and reads their activity
// from a Prometheus scraping the gateway; memory: the controller runs
// --provider memory --functions-file, holding the functions itself, and
// reads their activity from that Prometheus (the gateway simulated in a
// process of its own with the same file, as a deployment's gateway is);
// embedded: --provider memory --functions-file without Prometheus, the
// gateway simulated inside the controller's process and read by the
// embedded source (a test mode: the process holds the simulated gateway's
// metrics and the source's copy of them);
// FOOTPRINT_LOAD [none: idle] a load pattern every function gets (the
// gateway's --load, e.g. 30s@0.0333333333: one call each 30 s, the fleet's
// calls spread over the period), on a gateway that then steps once a
// second (--step 1s) and exports no latency histogram (--latency=false):
// at 100,000 called functions the histogram alone took longer to render
// than any scrape interval (the capacity type then reads the in-flight
// gauge alone: its arrivals part needs the mean duration); openfaas
// and memory providers only;
// FOOTPRINT_LEARN_STEP [15s, the default] the controller's
// keep_alive.learn_step, given in a --config file (with calls each 30 s
// and a 15 s step each call is one idle time learned);
// FOOTPRINT_PROMETHEUS_TIMEOUT [5s, the default] the controller's
// prometheus.timeout, likewise: on a loaded machine the feeder's read of
// 100,000 functions took longer, and a keep-alive whose every read failed
// learned nothing;
// FOOTPRINT_KEEPALIVE_READ_TIMEOUT [15s, the default] the controller's
// keep_alive.read_timeout, likewise: the bound of the keep-alive feeder's
// own reads, apart from prometheus.timeout since session 37, to measure a
// fleet whose reads take longer still;
// FOOTPRINT_RESTART_AFTER [none] stop the controller (SIGTERM) this long
// after its start and start it again, as a rollout does: the figures
// logged at the end are the second process's, which rebuilds the
// keep-alive from the history Prometheus holds by then (the first's are
// logged at the restart); at least 1m, and at least 1m below
// FOOTPRINT_DURATION, so that each process has a last minute to measure;
// FOOTPRINT_SCRAPE_INTERVAL [5s] Prometheus's scrape interval (and so its
// scrape timeout, at most 10 s): a called fleet's gateway page of 400,000
// series takes seconds to render on a shared machine.
func settings(t *testing.T) (n int, d time.Duration) {
	n, d = 10_000, 3*time.Minute
	if v := os.Getenv("FOOTPRINT_FUNCTIONS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("FOOTPRINT_FUNCTIONS=%q: want a positive number", v)
		}
	}
	if v := os.Getenv("FOOTPRINT_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 {
			t.Fatalf("FOOTPRINT_DURATION=%q: want a positive Go duration", v)
		}
	}
	return n, d
}

// TestFootprint starts the gateway with n idle functions (defaults: no
// labels), a Prometheus scraping it and the controller every 5 s, and the
// controller with its defaults, then samples the controller's RSS every
// second and logs the peak (the kernel's high-water mark, rssStats), the
// last minute's mean and the Go heap at the end.
func TestFootprint(t *testing.T) {
	if os.Getenv("FAAS_FOOTPRINT_BENCH") != "1" {
		t.Skip("a measurement, not a test: FAAS_FOOTPRINT_BENCH=1 (make bench-footprint)")
	}
	n, dur := settings(t)
	called := calledFleet(t)
	bin, err := e2e.BuildShipped(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	// A file, not flags: 100,000 --function flags exceed ARG_MAX.
	var list strings.Builder
	for i := range n {
		fmt.Fprintf(&list, "fn-%06d\n", i)
	}
	fnFile := filepath.Join(t.TempDir(), "functions")
	if err := os.WriteFile(fnFile, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	prov := os.Getenv("FOOTPRINT_PROVIDER")
	var targets []teststack.Target
	var gwAddr string
	switch prov {
	case "", "openfaas", "memory":
		if prov == "" {
			prov = "openfaas"
		}
		if gwAddr, err = teststack.FreeAddr(); err != nil {
			t.Fatal(err)
		}
		gwArgs := []string{"gateway", "--listen", gwAddr, "--functions-file", fnFile}
		if called.load != "" {
			gwArgs = append(gwArgs, "--load", called.load, "--step", "1s", "--latency=false")
		}
		gw := exec.CommandContext(ctx, bin, gwArgs...)
		gw.Stdout, gw.Stderr = os.Stderr, os.Stderr
		if err := gw.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cancel(); _ = gw.Wait() }()
		if err := teststack.WaitOK("http://"+gwAddr+"/metrics", 2*time.Minute, ctx.Done()); err != nil {
			t.Fatalf("gateway: %v", err)
		}
		targets = append(targets, teststack.Target{Job: "gateway", URL: gwAddr})
	case "embedded":
		if called.load != "" {
			t.Fatal("FOOTPRINT_LOAD: the embedded provider has no gateway process to load")
		}
	default:
		t.Fatalf("FOOTPRINT_PROVIDER=%q: want openfaas, memory or embedded", prov)
	}
	addr, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	// Prometheus scrapes the controller too, as a deployment's does (the
	// dashboards read its per-function series): a scrape's cost is part of
	// the footprint.
	scraper := os.Getenv("FOOTPRINT_SCRAPER")
	switch scraper {
	case "", "prometheus":
		scraper = "prometheus"
		targets = append(targets, teststack.Target{Job: "faas-autoscaler", URL: addr})
	case "harness":
	default:
		t.Fatalf("FOOTPRINT_SCRAPER=%q: want prometheus or harness", scraper)
	}
	debugAddr, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "--listen", addr, "--debug-listen", debugAddr, "--log-level", "warn",
		"--webhook-auth", "none"} // nothing posts alerts
	var prom *teststack.Prom
	if len(targets) > 0 {
		prom = teststack.Prometheus(t, teststack.PromOptions{ScrapeInterval: called.scrape, EvalInterval: 5 * time.Second,
			ScrapeTargets: targets})
		switch prov {
		case "openfaas":
			// The simulated gateway has no auth.
			args = append(args, "--gateway-url", "http://"+gwAddr, "--prometheus-url", prom.URL(), "--basic-auth=false")
		case "memory":
			args = append(args, "--prometheus-url", prom.URL())
		}
	}
	if prov == "memory" || prov == "embedded" {
		args = append(args, "--provider", "memory", "--functions-file", fnFile)
	}
	if cfg := called.configFile(t); cfg != "" {
		args = append(args, "--config", cfg)
	}
	restartAfter, err := parseRestart(os.Getenv, dur)
	if err != nil {
		t.Fatal(err)
	}
	var logs teststack.SyncBuffer
	start := func() *exec.Cmd {
		ctl := exec.CommandContext(ctx, bin, args...)
		ctl.Env = controllerEnv(os.Environ(), os.Getenv)
		ctl.Stdout, ctl.Stderr = &logs, &logs
		if err := ctl.Start(); err != nil {
			t.Fatal(err)
		}
		if err := teststack.WaitOK("http://"+addr+"/healthz", time.Minute, ctx.Done()); err != nil {
			_ = ctl.Process.Kill()
			t.Fatalf("controller: %v\n%s", err, logs.String())
		}
		return ctl
	}
	ctl := start()
	defer func() { _ = ctl.Process.Kill(); _ = ctl.Wait() }()

	if scraper == "harness" {
		go scrapeEvery(ctx, "http://"+addr+"/metrics", 5*time.Second)
	}

	var rss rssStats
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	begin := time.Now()
	end := begin.Add(dur)
	restartAt := begin.Add(restartAfter)
	for now := time.Now(); now.Before(end); now = <-tick.C {
		if restartAfter > 0 && !now.Before(restartAt) {
			// A rollout: the first process stops as the kubelet stops it,
			// and a second starts on the history Prometheus now holds,
			// rebuilding the keep-alive from it; measured on its own.
			t.Logf("before the restart (%v): controller %s", restartAfter, rss)
			stopController(t, ctl, &logs)
			ctl, rss, restartAfter = start(), rssStats{}, 0
			continue
		}
		m, err := testenv.ReadMemStatus(ctl.Process.Pid)
		if err != nil {
			t.Fatalf("controller exited? %v\n%s", err, logs.String())
		}
		// "The last minute" is the first process's before a restart.
		until := end
		if restartAfter > 0 {
			until = restartAt
		}
		rss.add(m, now.Sub(begin), until.Sub(now))
	}
	page, err := testenv.ReadMetricPage("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	cpu, err := cpuSeconds(ctl.Process.Pid)
	if err != nil {
		t.Errorf("controller CPU: %v", err)
	}
	t.Logf("provider %s, scraper %s, GOMEMLIMIT %q, GOGC %q; controller CPU (user+system) %.1f s since its start", prov, scraper,
		os.Getenv("FOOTPRINT_GOMEMLIMIT"), os.Getenv("FOOTPRINT_GOGC"), cpu)
	since := "its start"
	if !restartAt.Equal(begin) {
		since = "the restart"
	}
	t.Log(summaryLine(n, dur, since, rss, page))
	if prom != nil {
		readReport(t, prom, "http://"+addr+"/metrics", dur)
	}
	logProblems(t, logs.String())
	if path := os.Getenv("FOOTPRINT_HEAP_PROFILE"); path != "" {
		if err := testenv.SaveHeapProfile("http://"+debugAddr, path); err != nil {
			t.Errorf("heap profile: %v", err)
		} else {
			t.Logf("heap profile: %s", path)
		}
	}
	// Absent is not 0, but a run without the count is no measurement
	// either: the series appears at the first listing, so its absence
	// says the controller never listed, or the series was renamed.
	switch listed, ok := page.Value(listedSeries); {
	case !ok:
		t.Errorf("listings not measured: the controller's page has no %s (never listed, or the series renamed):\n%s", listedSeries, logs.String())
	case listed == 0:
		t.Errorf("the controller never listed the functions:\n%s", logs.String())
	}
}

// controllerEnv is the controller's environment: PATH and HOME from the
// harness's, and FOOTPRINT_GOMEMLIMIT and FOOTPRINT_GOGC as GOMEMLIMIT and
// GOGC; nothing else. The log names those two as what the run had, so a
// GOMEMLIMIT or GOGC exported in the shell must not reach the controller
// (it would pace the collector unseen), nor an OpenFaaS-style variable
// that binds a flag (as e2e's controller, a clean environment).
func controllerEnv(environ []string, getenv func(string) string) []string {
	var env []string
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); name == "PATH" || name == "HOME" {
			env = append(env, kv)
		}
	}
	for _, v := range []string{"GOMEMLIMIT", "GOGC"} {
		if x := getenv("FOOTPRINT_" + v); x != "" {
			env = append(env, v+"="+x)
		}
	}
	return env
}

// readReport logs how much of the activity the controller read: the
// share of the gateway's scrapes that succeeded (at 100,000 functions its
// page takes seconds to scrape, and on a busy machine over the 5 s
// interval: the series go stale and the controller's queries answer
// nothing), and the controller's reads that failed. A run whose reads
// failed measured a controller that decoded little. It logs whether the
// keep-alive learned: its feeder's reads and their duration (reads slower
// than the learn step stretch the next read's window; over 4 steps the
// calls between are unknown), and the idle times and functions it holds at
// the end. The controller's page is read once (at 100,000 functions it is
// large); a series it lacks is "n/a", not 0.
func readReport(t *testing.T, prom *teststack.Prom, metrics string, dur time.Duration) {
	t.Helper()
	up := "n/a"
	if v, _, _, err := prom.API().Query(context.Background(),
		fmt.Sprintf(`avg_over_time(up{job="gateway"}[%ds])`, int(dur.Seconds())), time.Time{}); err == nil {
		if vec, ok := v.(model.Vector); ok && len(vec) == 1 {
			up = fmt.Sprintf("%.0f%%", 100*float64(vec[0].Value))
		}
	}
	resp, err := http.Get(metrics)
	if err != nil {
		t.Errorf("controller metrics: %v", err)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Errorf("controller metrics: %v", err)
		return
	}
	page, buckets := parseControllerPage(string(body))
	val := func(series string) string {
		if v, ok := page[series]; ok {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
		return "n/a"
	}
	t.Logf("gateway scrapes that succeeded: %s; scaler passes %s, of which load errors %s; idler cycles %s, source errors %s",
		up, val("faas_autoscaler_reconcile_duration_seconds_count"), val(`faas_autoscaler_reconcile_errors_total{stage="load"}`),
		val(`faas_autoscaler_idler_runs_total{result="ok"}`), val(`faas_autoscaler_idler_missing_data_cycles_total{reason="source_error"}`))
	mean, p50, slowest := readDuration(page, buckets)
	t.Logf("keep-alive learning: feeder reads ok %s, error %s; read duration mean %s, p50 %s, max %s; unknown steps: read_error %s, gap %s; held at the end: %s idle times (bound %s) of %s functions",
		val(`faas_autoscaler_keepalive_reads_total{result="ok"}`), val(`faas_autoscaler_keepalive_reads_total{result="error"}`),
		mean, p50, slowest,
		val(`faas_autoscaler_keepalive_unknown_steps_total{reason="read_error"}`), val(`faas_autoscaler_keepalive_unknown_steps_total{reason="gap"}`),
		val("faas_autoscaler_keepalive_idle_times"), val("faas_autoscaler_keepalive_max_idle_times"), val("faas_autoscaler_keepalive_functions"))
}

// scrapeEvery reads url every interval until ctx ends, as a scraper
// would (gzip accepted: Go's transport asks for it), and discards it.
func scrapeEvery(ctx context.Context, url string, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

// cpuSeconds is a process's user+system CPU time (/proc/PID/stat fields
// 14 and 15, in clock ticks of 1/100 s on Linux).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	var ticks uint64
	for _, s := range f[11:13] { // utime, stime: fields 14, 15 (the 12th and 13th after the name)
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += v
	}
	return float64(ticks) / 100, nil
}

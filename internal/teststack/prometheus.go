package teststack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// WaitTimeout bounds WaitUp and the other polling helpers. The first scrape
// comes 5–6 s after start (Prometheus applies target sets on a 5 s ticker), so
// this is generous on purpose.
const WaitTimeout = 30 * time.Second

// Target is one scrape target.
type Target struct {
	Job         string            // job_name; required
	URL         string            // host:port (a leading http:// is accepted and dropped)
	MetricsPath string            // default /metrics
	Labels      map[string]string // extra target labels, optional
}

// PromOptions shape the generated prometheus.yml.
type PromOptions struct {
	ScrapeInterval time.Duration // default 1s
	EvalInterval   time.Duration // default 1s
	ScrapeTargets  []Target
	// RuleFiles holds rule file paths or rule file contents: an entry with a
	// newline in it is content and is written to a file in the data directory.
	RuleFiles []string
	// AlertmanagerURL is where alerts go, e.g. am.URL(); empty for none.
	AlertmanagerURL string
	// ExtraArgs are appended to the command line. Gotcha: an alert that
	// fires in the first ~5 s, before Prometheus has discovered the
	// AlertManager, is only re-sent after --rules.alert.resend-delay (1m by
	// default); pass "--rules.alert.resend-delay=1s" when that matters. It also
	// shortens endsAt (4× the delay), so AlertManager resolves the alerts of a
	// killed Prometheus within seconds instead of minutes.
	ExtraArgs []string
}

// Prom is a running (or stopped) Prometheus server.
type Prom struct {
	*server
	dir    string
	config string
	api    v1.API
}

// Prometheus starts a Prometheus server for the test, on a free loopback
// port with storage in a temporary directory, and waits until it is ready.
// It is stopped by t.Cleanup. It skips (or fails under CI=true) when the
// binary is missing.
func Prometheus(t testing.TB, opts PromOptions) *Prom {
	t.Helper()
	bin := NeedBinary(t, "prometheus")
	dir := t.TempDir()
	cfg, err := writePromConfig(dir, opts)
	if err != nil {
		t.Fatalf("prometheus config: %v", err)
	}
	p := &Prom{dir: dir, config: cfg}
	p.server = newServer(t, "prometheus", bin, func(addr string) []string {
		return append([]string{
			"--config.file=" + cfg,
			"--storage.tsdb.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr,
			"--web.enable-lifecycle",
			"--log.level=info",
		}, opts.ExtraArgs...)
	})
	c, err := api.NewClient(api.Config{Address: p.URL()})
	if err != nil {
		t.Fatalf("prometheus client: %v", err)
	}
	p.api = v1.NewAPI(c)
	return p
}

// URL is the server's base URL, http://127.0.0.1:PORT.
func (p *Prom) URL() string { return p.url() }

// Addr is 127.0.0.1:PORT.
func (p *Prom) Addr() string { return p.addr() }

// DataDir is the directory that holds the config, rule files and TSDB.
func (p *Prom) DataDir() string { return p.dir }

// Logs returns everything the server has printed so far.
func (p *Prom) Logs() string { return p.logs.String() }

// API is a client_golang v1 API client for the server.
func (p *Prom) API() v1.API { return p.api }

// Stop terminates the server (SIGTERM, wait). A stopped server can be started
// again with Start on the same port and data.
func (p *Prom) Stop() error { return p.stop() }

// Kill terminates the server with SIGKILL, like a crash.
func (p *Prom) Kill() error { return p.kill() }

// Start starts a stopped server again on the same port and data directory
// and waits until it is ready.
func (p *Prom) Start() error { return p.start() }

// Running reports whether the server process is up.
func (p *Prom) Running() bool { return p.running() }

// Exited is non-nil once the process has ended without Stop or Kill.
func (p *Prom) Exited() error { return p.exited() }

// Reload rewrites the configuration from opts and asks the running server to
// reload it (POST /-/reload; the server runs with --web.enable-lifecycle).
// ExtraArgs in opts are ignored. New scrape targets are picked up at the
// scrape manager's next 5 s tick, so follow with WaitUp when it matters.
func (p *Prom) Reload(opts PromOptions) error {
	if _, err := writePromConfig(p.dir, opts); err != nil {
		return fmt.Errorf("prometheus config: %w", err)
	}
	resp, err := http.Post(p.URL()+"/-/reload", "", nil)
	if err != nil {
		return fmt.Errorf("prometheus reload: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("prometheus reload: status %d: %s", resp.StatusCode, b)
	}
	return nil
}

// Query runs an instant query now and fails the test on error.
func (p *Prom) Query(t testing.TB, expr string) model.Value {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, _, _, err := p.api.Query(ctx, expr, time.Now())
	if err != nil {
		t.Fatalf("query %s: %v", expr, err)
	}
	return v
}

// WaitUp waits until up{job=...}==1 for at least one target of job, from a
// scrape made by the current process (samples from before a restart do not
// count), and fails the test after WaitTimeout.
func (p *Prom) WaitUp(t testing.TB, job string) {
	t.Helper()
	// timestamp() of a bare selector is the sample's time (of any other
	// expression it is the evaluation time in 2.42).
	sel := `up{job=` + strconv.Quote(job) + `}`
	expr := `timestamp(` + sel + `) and (` + sel + ` == 1)`
	since := float64(p.started().UnixMilli()) / 1000
	p.WaitFor(t, "first scrape of job "+job, func(ctx context.Context) (bool, error) {
		v, _, _, err := p.api.Query(ctx, expr, time.Now())
		if err != nil {
			return false, err
		}
		vec, _ := v.(model.Vector)
		for _, s := range vec {
			if float64(s.Value) >= since {
				return true, nil
			}
		}
		return false, nil
	})
}

// FirstUp waits for the first successful scrape of job by the current
// process (WaitUp) and returns its time: the sample time of the earliest
// up{job=...}==1 since the process started. It is when Prometheus began to
// observe the target: a check that something needs a whole window of
// observation counts from here, not from the process start, which comes
// 5–6 s earlier (the target-set ticker).
func (p *Prom) FirstUp(t testing.TB, job string) time.Time {
	t.Helper()
	p.WaitUp(t, job)
	since := p.started()
	// A range reaching back past the start, in whole seconds; samples
	// from before a restart are then dropped by time.
	window := time.Since(since).Truncate(time.Second) + time.Minute
	expr := `up{job=` + strconv.Quote(job) + `}[` + model.Duration(window).String() + `]`
	var first time.Time
	p.WaitFor(t, "the first scrape of job "+job+" in a range query", func(ctx context.Context) (bool, error) {
		v, _, _, err := p.api.Query(ctx, expr, time.Now())
		if err != nil {
			return false, err
		}
		m, _ := v.(model.Matrix)
		for _, series := range m {
			for _, sp := range series.Values {
				at := sp.Timestamp.Time()
				if sp.Value == 1 && !at.Before(since) && (first.IsZero() || at.Before(first)) {
					first = at
					break // samples are in time order
				}
			}
		}
		return !first.IsZero(), nil
	})
	return first
}

// WaitFor polls cond every 100 ms until it returns true, failing the test
// after WaitTimeout with the last error cond returned.
func (p *Prom) WaitFor(t testing.TB, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ok, err := cond(ctx)
		cancel()
		if ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("prometheus: timed out after %s waiting for %s (last error: %v)", WaitTimeout, what, last)
}

// promConfig mirrors the parts of prometheus.yml we write. JSON is valid
// YAML, so the file is rendered with encoding/json from these types.
type promConfig struct {
	Global struct {
		ScrapeInterval string `json:"scrape_interval"`
		EvalInterval   string `json:"evaluation_interval"`
	} `json:"global"`
	RuleFiles     []string        `json:"rule_files,omitempty"`
	Alerting      *alertingConfig `json:"alerting,omitempty"`
	ScrapeConfigs []scrapeConfig  `json:"scrape_configs"`
}

type alertingConfig struct {
	Alertmanagers []amTargetConfig `json:"alertmanagers"`
}

type amTargetConfig struct {
	Scheme        string         `json:"scheme,omitempty"`
	PathPrefix    string         `json:"path_prefix,omitempty"`
	StaticConfigs []staticConfig `json:"static_configs"`
}

type scrapeConfig struct {
	JobName       string         `json:"job_name"`
	MetricsPath   string         `json:"metrics_path,omitempty"`
	StaticConfigs []staticConfig `json:"static_configs"`
}

type staticConfig struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels,omitempty"`
}

func writePromConfig(dir string, o PromOptions) (string, error) {
	var c promConfig
	c.Global.ScrapeInterval = durationOr(o.ScrapeInterval, time.Second)
	c.Global.EvalInterval = durationOr(o.EvalInterval, time.Second)
	for i, r := range o.RuleFiles {
		if !strings.Contains(r, "\n") {
			abs, err := filepath.Abs(r)
			if err != nil {
				return "", err
			}
			c.RuleFiles = append(c.RuleFiles, abs)
			continue
		}
		path := filepath.Join(dir, fmt.Sprintf("rules-%d.yml", i))
		if err := os.WriteFile(path, []byte(r), 0o644); err != nil {
			return "", err
		}
		c.RuleFiles = append(c.RuleFiles, path)
	}
	if o.AlertmanagerURL != "" {
		u, err := url.Parse(o.AlertmanagerURL)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("AlertmanagerURL %q: want http://host:port", o.AlertmanagerURL)
		}
		c.Alerting = &alertingConfig{Alertmanagers: []amTargetConfig{{
			Scheme:        u.Scheme,
			PathPrefix:    strings.TrimSuffix(u.Path, "/"),
			StaticConfigs: []staticConfig{{Targets: []string{u.Host}}},
		}}}
	}
	// Targets of one job share a scrape config: Prometheus rejects duplicate job names.
	c.ScrapeConfigs = []scrapeConfig{}
	jobs := map[string]int{}
	for _, tg := range o.ScrapeTargets {
		if tg.Job == "" || tg.URL == "" {
			return "", fmt.Errorf("scrape target %+v: Job and URL are required", tg)
		}
		host := strings.TrimPrefix(strings.TrimPrefix(tg.URL, "http://"), "https://")
		host = strings.TrimSuffix(host, "/")
		sc := staticConfig{Targets: []string{host}, Labels: tg.Labels}
		i, ok := jobs[tg.Job]
		if !ok {
			jobs[tg.Job] = len(c.ScrapeConfigs)
			c.ScrapeConfigs = append(c.ScrapeConfigs, scrapeConfig{JobName: tg.Job, MetricsPath: tg.MetricsPath})
			i = len(c.ScrapeConfigs) - 1
		} else if c.ScrapeConfigs[i].MetricsPath != tg.MetricsPath {
			return "", fmt.Errorf("job %s: targets with different metrics paths", tg.Job)
		}
		c.ScrapeConfigs[i].StaticConfigs = append(c.ScrapeConfigs[i].StaticConfigs, sc)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "prometheus.yml")
	return path, os.WriteFile(path, b, 0o644)
}

func durationOr(d, def time.Duration) string {
	if d <= 0 {
		d = def
	}
	return model.Duration(d).String()
}

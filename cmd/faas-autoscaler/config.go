package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// runConfig is everything `faas-autoscaler run` is told. Defaults live in
// defineRunFlags; Validate says exactly what is wrong, naming the flag.
type runConfig struct {
	Provider         string // memory | openfaas | kubernetes; "" = embedded default
	GatewayURL       string
	SecretMountPath  string
	BasicAuth        bool
	PrometheusURL    string
	CoverageSelector string
	MaxScrapeGap     time.Duration
	PromTimeout      time.Duration
	Namespaces       stringList
	DefaultNamespace string
	Listen           string
	Duration         time.Duration
	LogFormat        string
	LogLevel         string
	DryRun           bool

	HorizontalScaling bool
	Interval          time.Duration
	StableWindow      time.Duration
	BurstWindow       time.Duration
	Defaults          scaler.Defaults
	DefaultsCE        bool

	IdleSchedule     string
	MaintainMin      bool
	Idler            bool
	RefusedBackoff   time.Duration
	ScaleConcurrency int

	KeepAliveWorth  time.Duration
	PreWarmShare    float64
	PreWarmInterval time.Duration
	RebuildLookback time.Duration

	WebhookAuth      string
	WebhookTokenFile string

	Kubeconfig     string
	Selector       string
	LeaderElect    bool
	LeaseNamespace string
	LeaseName      string

	natsConfig // queue load from JetStream (wire_nats.go)
}

func defineRunFlags(c *runConfig) *envFlags {
	e := newEnvFlags("run")
	fs := e.fs
	d := scaler.DefaultDefaults()
	c.Defaults = d
	fs.StringVar(&c.Provider, "provider", "", "where replicas live: memory, openfaas or kubernetes; empty runs the embedded default demo unless --gateway-url is set")
	e.bind("provider", "provider")
	fs.StringVar(&c.GatewayURL, "gateway-url", "", "OpenFaaS gateway (or provider) URL, e.g. http://gateway.openfaas:8080/")
	e.bind("gateway-url", "gateway_url")
	fs.StringVar(&c.SecretMountPath, "secret-mount-path", "/var/secrets/", "folder with basic-auth-user and basic-auth-password, for the gateway and for the webhook")
	e.bind("secret-mount-path", "secret_mount_path")
	fs.BoolVar(&c.BasicAuth, "basic-auth", true, "use basic auth with the gateway")
	e.bind("basic-auth", "basic_auth")
	fs.StringVar(&c.PrometheusURL, "prometheus-url", "", "Prometheus URL, e.g. http://prometheus.openfaas:9090; empty with --provider memory uses the embedded source")
	e.bind("prometheus-url", "prometheus_url")
	fs.StringVar(&c.CoverageSelector, "prometheus-coverage-selector", "", "PromQL selector of the gateway's scrape target, proving Prometheus saw the whole idle window (default: the metrics source's)")
	e.bind("prometheus-coverage-selector", "prometheus_coverage_selector")
	fs.DurationVar(&c.MaxScrapeGap, "prometheus-max-scrape-gap", 30*time.Second, "longest gap between gateway scrapes that still counts as continuous observation (a few scrape intervals)")
	e.bind("prometheus-max-scrape-gap", "prometheus_max_scrape_gap")
	fs.DurationVar(&c.PromTimeout, "prometheus-timeout", 5*time.Second, "bound on each metrics query")
	e.bind("prometheus-timeout", "prometheus_timeout")
	fs.Var(&c.Namespaces, "namespaces", "comma-separated function namespaces to manage (default: all the provider lists; openfaas-fn on kubernetes)")
	e.bind("namespaces", "namespaces")
	fs.StringVar(&c.DefaultNamespace, "default-namespace", "openfaas-fn", "namespace of a function_name without a dot")
	e.bind("default-namespace", "function_namespace")
	fs.StringVar(&c.Listen, "listen", ":8080", "address for /system/alert, /api/v1/functions, /metrics, /healthz, /readyz")
	e.bind("listen", "listen_address")
	fs.DurationVar(&c.Duration, "duration", 0, "stop cleanly after this long (0 = until SIGINT/SIGTERM)")
	e.bind("duration", "duration")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	e.bind("log-format", "log_format")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	e.bind("log-level", "log_level")
	fs.BoolVar(&c.DryRun, "dry-run", false, "decide, log and export metrics, never change replicas")
	e.bind("dry-run", "dry_run")

	fs.BoolVar(&c.HorizontalScaling, "horizontal-scaling", true, "run the scaler; false leaves only scale to zero (as OpenFaaS Pro's flag)")
	e.bind("horizontal-scaling", "horizontal_scaling")
	fs.DurationVar(&c.Interval, "interval", 5*time.Second, "how often every function is evaluated; alerts trigger evaluations in between")
	e.bind("interval", "scale_interval")
	fs.DurationVar(&c.StableWindow, "stable-window", 60*time.Second, "window of the load the scaler targets")
	e.bind("stable-window", "stable_window")
	fs.DurationVar(&c.BurstWindow, "burst-window", 10*time.Second, "short window that detects bursts")
	e.bind("burst-window", "burst_window")
	fs.Uint64Var(&c.Defaults.Min, "default-min", d.Min, "com.openfaas.scale.min when a function has none")
	fs.Uint64Var(&c.Defaults.Max, "default-max", d.Max, "com.openfaas.scale.max when a function has none")
	fs.Uint64Var(&c.Defaults.Factor, "default-factor", d.Factor, "com.openfaas.scale.factor (step mode, % of max) when a function has none")
	fs.StringVar(&c.Defaults.Type, "default-type", d.Type, "com.openfaas.scale.type when a function has none: rps, capacity, cpu, queue, step or a custom load")
	fs.Float64Var(&c.Defaults.Target, "default-target", d.Target, "com.openfaas.scale.target (load per replica) when a function has none")
	e.bind("default-target", "default_target")
	fs.Float64Var(&c.Defaults.TargetProportion, "default-target-proportion", d.TargetProportion, "com.openfaas.scale.target-proportion when a function has none")
	fs.DurationVar(&c.Defaults.ZeroDuration, "default-zero-duration", d.ZeroDuration, "com.openfaas.scale.zero-duration when a function has none")
	e.bind("default-zero-duration", "inactivity_duration")
	fs.DurationVar(&c.Defaults.DownWindow, "default-down-window", d.DownWindow, "com.openfaas.scale.down.window (scale-down stabilisation) when a function has none")
	fs.Float64Var(&c.Defaults.BurstThreshold, "burst-threshold", d.BurstThreshold, "burst-window load over this multiple of ready capacity scales up at once")
	fs.Float64Var(&c.Defaults.Tolerance, "tolerance", d.Tolerance, "no change while load is within this fraction of capacity")
	fs.Float64Var(&c.Defaults.ScaleUpRate, "scale-up-rate", d.ScaleUpRate, "one evaluation scales up to at most max(current × rate, current + --scale-up-pods)")
	fs.Uint64Var(&c.Defaults.ScaleUpPods, "scale-up-pods", d.ScaleUpPods, "see --scale-up-rate")
	fs.Float64Var(&c.Defaults.ScaleDownRate, "scale-down-rate", d.ScaleDownRate, "one evaluation keeps at least this share of current replicas")
	fs.DurationVar(&c.Defaults.StepDedup, "step-dedup", d.StepDedup, "step mode: a repeat of the same firing alert within this long adds no step")
	fs.BoolVar(&c.Defaults.ExactCE, "exact-ce", false, "step mode reproduces the OpenFaaS CE gateway exactly (cap 5, resolved → min)")
	fs.BoolVar(&c.DefaultsCE, "ce-defaults", false, "every function defaults to OpenFaaS CE's alert scaling: step mode, max 5, factor 10, exact")

	fs.BoolVar(&c.Idler, "idler", true, "run the idler (scale to zero for functions with com.openfaas.scale.zero=true)")
	e.bind("idler", "idler")
	fs.StringVar(&c.IdleSchedule, "idle-schedule", "@every 30s", "cron schedule of idler cycles (robfig/cron: @every 30s, or five fields)")
	e.bind("idle-schedule", "idle_schedule")
	fs.BoolVar(&c.MaintainMin, "maintain-min", false, "restore functions found at zero without the zero opt-in to their min")
	e.bind("maintain-min", "maintain_min_replicas")
	fs.DurationVar(&c.RefusedBackoff, "idle-refused-backoff", time.Hour, "leave a function alone this long after its provider refused zero replicas (OpenFaaS CE)")
	fs.IntVar(&c.ScaleConcurrency, "idle-scale-concurrency", 4, "scale-to-zero calls the idler makes at once")
	fs.DurationVar(&c.KeepAliveWorth, "keepalive-cold-start-worth", time.Hour, "zero-duration auto: idle replica time one avoided cold start is worth")
	fs.Float64Var(&c.PreWarmShare, "keepalive-prewarm-share", 0.25, "zero-duration auto: at most this share of functions pre-warmed at once")
	fs.DurationVar(&c.PreWarmInterval, "prewarm-interval", 10*time.Second, "zero-duration auto: how often due pre-warms are started")
	fs.DurationVar(&c.RebuildLookback, "keepalive-rebuild-lookback", 24*time.Hour, "zero-duration auto: Prometheus history replayed at start to relearn idle times (0 = none)")

	fs.StringVar(&c.WebhookAuth, "webhook-auth", "basic", "auth of POST /system/alert: basic, bearer, basic+bearer or none")
	e.bind("webhook-auth", "webhook_auth")
	fs.StringVar(&c.WebhookTokenFile, "webhook-token-file", "", "file holding the bearer token for --webhook-auth bearer")
	e.bind("webhook-token-file", "webhook_token_file")

	fs.StringVar(&c.Kubeconfig, "kubeconfig", "", "kubeconfig for --provider kubernetes outside a cluster (default: in-cluster config)")
	e.bind("kubeconfig", "KUBECONFIG")
	fs.StringVar(&c.Selector, "selector", "faas_function", "label selector of function Deployments (--provider kubernetes)")
	e.bind("selector", "function_selector")
	fs.BoolVar(&c.LeaderElect, "leader-elect", false, "elect a leader on a Lease so several replicas can run; only the leader acts (--provider kubernetes)")
	e.bind("leader-elect", "leader_elect")
	fs.StringVar(&c.LeaseNamespace, "leader-election-namespace", "", "namespace of the Lease (default: the pod's namespace, else openfaas)")
	e.bind("leader-election-namespace", "leader_election_namespace")
	fs.StringVar(&c.LeaseName, "leader-election-lease", "faas-autoscaler", "name of the Lease")
	defineNATSFlags(e, &c.natsConfig)
	return e
}

// mode resolves the provider: an explicit flag wins; a gateway URL alone means
// openfaas; nothing at all means the embedded default.
func (c *runConfig) mode() string {
	if c.Provider != "" {
		return c.Provider
	}
	if c.GatewayURL != "" {
		return "openfaas"
	}
	return "embedded"
}

// Validate checks the flags together, naming each bad one.
func (c *runConfig) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Provider {
	case "", "memory", "openfaas", "kubernetes":
	default:
		bad("--provider %q: want memory, openfaas or kubernetes", c.Provider)
	}
	mode := c.mode()
	if mode == "openfaas" {
		if c.GatewayURL == "" {
			bad("--gateway-url is required with --provider openfaas")
		} else if u, err := url.Parse(c.GatewayURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--gateway-url %q: want an http(s) URL such as http://gateway.openfaas:8080/", c.GatewayURL)
		}
	}
	if (mode == "openfaas" || mode == "kubernetes") && c.PrometheusURL == "" {
		bad("--prometheus-url is required with --provider %s (the load and activity of functions come from Prometheus)", mode)
	}
	if c.PrometheusURL != "" {
		if u, err := url.Parse(c.PrometheusURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--prometheus-url %q: want an http(s) URL such as http://prometheus.openfaas:9090", c.PrometheusURL)
		}
	}
	if c.Listen == "" {
		bad("--listen must not be empty")
	}
	if c.Duration < 0 {
		bad("--duration %v: must not be negative", c.Duration)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("--log-format %q: want text or json", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.PromTimeout <= 0 {
		bad("--prometheus-timeout %v: must be positive", c.PromTimeout)
	}
	if c.RefusedBackoff <= 0 {
		bad("--idle-refused-backoff %v: must be positive", c.RefusedBackoff)
	}
	if c.ScaleConcurrency < 1 {
		bad("--idle-scale-concurrency %d: must be at least 1", c.ScaleConcurrency)
	}
	if c.KeepAliveWorth <= 0 {
		bad("--keepalive-cold-start-worth %v: must be positive", c.KeepAliveWorth)
	}
	if !(c.PreWarmShare >= 0 && c.PreWarmShare <= 1) {
		bad("--keepalive-prewarm-share %v: must be in [0, 1]", c.PreWarmShare)
	}
	if c.PreWarmInterval < time.Second {
		bad("--prewarm-interval %v: must be at least 1s", c.PreWarmInterval)
	}
	if c.RebuildLookback < 0 {
		bad("--keepalive-rebuild-lookback %v: must not be negative", c.RebuildLookback)
	}
	if c.Interval < 100*time.Millisecond {
		bad("--interval %v: must be at least 100ms", c.Interval)
	}
	if c.StableWindow < time.Second {
		bad("--stable-window %v: must be at least 1s", c.StableWindow)
	}
	if c.BurstWindow < time.Second || c.BurstWindow > c.StableWindow {
		bad("--burst-window %v: must be at least 1s and not above --stable-window %v", c.BurstWindow, c.StableWindow)
	}
	switch c.WebhookAuth {
	case "basic", "bearer", "basic+bearer", "none":
	default:
		bad("--webhook-auth %q: want basic, bearer, basic+bearer or none", c.WebhookAuth)
	}
	if strings.Contains(c.WebhookAuth, "bearer") && c.WebhookTokenFile == "" {
		bad("--webhook-token-file is required with --webhook-auth %s", c.WebhookAuth)
	}
	if c.LeaderElect && mode != "kubernetes" {
		bad("--leader-elect needs --provider kubernetes (the Lease lives in the cluster)")
	}
	if err := c.Defaults.Validate(); err != nil {
		bad("scaling defaults: %v", err)
	}
	c.natsConfig.validate(mode, bad)
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}

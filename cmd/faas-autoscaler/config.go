package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// runConfig is everything `faas-autoscaler run` is told: the wiring from
// flags (and their environment variables), and the tuning from the --config
// file (config.Config), over which the deprecated tuning flags are laid.
// Validate says exactly what is wrong, naming the flag.
type runConfig struct {
	Provider         string // memory | openfaas | kubernetes; "" = embedded default
	GatewayURL       string
	SecretMountPath  string
	BasicAuth        bool
	PrometheusURL    string
	Namespaces       stringList
	DefaultNamespace string
	Listen           string
	DebugListen      string // net/http/pprof on its own listener; "" = off
	// MemoryLimitRatio sets the Go runtime's soft memory limit to this
	// share of the container's memory limit (internal/memlimit); 0 = off.
	MemoryLimitRatio float64
	// GCPercent is the collector's target (GOGC) when the GOGC variable is
	// not set; 0 leaves the runtime's default, 100 (gcpercent.go).
	GCPercent  int
	Duration   time.Duration
	LogFormat  string
	LogLevel   string
	DryRun     bool
	ConfigFile string
	DefaultsCE bool
	// FunctionsFile seeds --provider memory with the functions of a file
	// (one gateway --function value a line) instead of the demo's four.
	FunctionsFile string
	// functions are read from FunctionsFile by loadFunctions. A pointer:
	// every copy of the runConfig shares it, so emptying it once they are
	// deployed frees them (100,000 at a time) whichever copies live on.
	functions *functionFlags

	WebhookAuth      string
	WebhookTokenFile string
	WebhookMaxBody   int64

	Kubeconfig     string
	Selector       string
	LeaderElect    bool
	LeaseNamespace string
	LeaseName      string

	natsConfig // queue load from JetStream (wire_nats.go)

	// fromEnv are the flags whose value came from their environment
	// variable (flag name → variable; envFlags.fromEnv), for messages.
	fromEnv map[string]string

	// Tuning is the configuration in force: the file (or the built-in
	// defaults, or the embedded default's demo timings) with the deprecated
	// flags laid over it.
	Tuning config.Config
	// deprecated holds the old tuning flags, applied again on every reload.
	deprecated *config.Deprecated
}

func defineRunFlags(c *runConfig) *envFlags {
	e := newEnvFlags("run")
	fs := e.fs
	fs.StringVar(&c.Provider, "provider", "", "where replicas live: memory, openfaas or kubernetes; empty runs the embedded default demo unless --gateway-url is set")
	e.bind("provider", "provider")
	fs.StringVar(&c.GatewayURL, "gateway-url", "", "OpenFaaS gateway (or provider) URL, e.g. http://gateway.openfaas:8080/")
	e.bind("gateway-url", "gateway_url")
	fs.StringVar(&c.SecretMountPath, "secret-mount-path", "/var/secrets/", "folder with basic-auth-user and basic-auth-password, for the gateway and for the webhook")
	e.bind("secret-mount-path", "secret_mount_path")
	fs.BoolVar(&c.BasicAuth, "basic-auth", true, "use basic auth with the gateway")
	e.bind("basic-auth", "basic_auth")
	fs.StringVar(&c.PrometheusURL, "prometheus-url", "", "Prometheus URL, e.g. http://prometheus.openfaas:9090; required with --provider openfaas or kubernetes; with --provider memory --functions-file the functions' metrics come from it instead of the in-process simulated gateway; refused with the embedded default and the memory provider's demo (they use the embedded source)")
	e.bind("prometheus-url", "prometheus_url")
	fs.Var(&c.Namespaces, "namespaces", "comma-separated function namespaces to manage (default: all the provider lists; openfaas-fn on kubernetes)")
	e.bind("namespaces", "namespaces")
	fs.StringVar(&c.DefaultNamespace, "default-namespace", "openfaas-fn", "namespace of a function_name without a dot")
	e.bind("default-namespace", "function_namespace")
	fs.StringVar(&c.Listen, "listen", ":8080", "address for /system/alert, /api/v1/functions, /metrics, /healthz, /readyz")
	e.bind("listen", "listen_address")
	fs.StringVar(&c.DebugListen, "debug-listen", "", "address serving Go's profiler at /debug/pprof/ (heap, CPU, goroutines) on its own listener, e.g. 127.0.0.1:6060; empty = off")
	e.bind("debug-listen", "debug_listen")
	fs.Float64Var(&c.MemoryLimitRatio, "memory-limit-ratio", 0.9, "set the Go runtime's soft memory limit to this share of the container's memory limit (cgroup v1 or v2), so the collector runs harder before the container would be killed; 0 = off; a GOMEMLIMIT variable wins")
	e.bind("memory-limit-ratio", "memory_limit_ratio")
	fs.IntVar(&c.GCPercent, "gc-percent", DefaultGCPercent, "the Go collector's target growth of the heap over what the last collection left (GOGC), when the GOGC variable is not set; lower holds less memory for more collector CPU; 0 = the runtime's default, 100")
	e.bind("gc-percent", "gc_percent")
	fs.DurationVar(&c.Duration, "duration", 0, "stop cleanly after this long (0 = until SIGINT/SIGTERM)")
	e.bind("duration", "duration")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	e.bind("log-format", "log_format")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	e.bind("log-level", "log_level")
	fs.BoolVar(&c.DryRun, "dry-run", false, "decide, log and export metrics, never change replicas")
	e.bind("dry-run", "dry_run")
	fs.StringVar(&c.ConfigFile, "config", "", "YAML file with the tuning (see deploy/config/config.yaml); re-read on SIGHUP; empty = built-in defaults")
	e.bind("config", "config_file")
	fs.StringVar(&c.FunctionsFile, "functions-file", "", "with --provider memory: deploy the functions of this file (one name[.namespace][:label=value,…] a line, idle) instead of the demo's, on the production tuning defaults and without the demo's view")
	e.bind("functions-file", "functions_file")
	fs.BoolVar(&c.DefaultsCE, "ce-defaults", false, "start from OpenFaaS CE's alert scaling for every function (step mode, max 5, factor 10, exact, down window 0); the --config file and flags still override")

	fs.StringVar(&c.WebhookAuth, "webhook-auth", "basic", "auth of POST /system/alert: basic, bearer, basic+bearer or none")
	e.bind("webhook-auth", "webhook_auth")
	fs.StringVar(&c.WebhookTokenFile, "webhook-token-file", "", "file holding the bearer token for --webhook-auth bearer")
	e.bind("webhook-token-file", "webhook_token_file")
	fs.Int64Var(&c.WebhookMaxBody, "webhook-max-body-bytes", alerts.DefaultMaxBody, "largest body POST /system/alert accepts, in bytes (1024 to 67108864); larger batches get 413, which neither AlertManager nor Grafana retries")
	e.bind("webhook-max-body-bytes", "webhook_max_body_bytes")

	fs.StringVar(&c.Kubeconfig, "kubeconfig", "", "kubeconfig for --provider kubernetes outside a cluster (default: in-cluster config)")
	e.bind("kubeconfig", "KUBECONFIG")
	fs.StringVar(&c.Selector, "selector", "faas_function", "label selector of function Deployments (--provider kubernetes)")
	e.bind("selector", "function_selector")
	fs.BoolVar(&c.LeaderElect, "leader-elect", false, "elect a leader on a Lease so several replicas can run; only the leader acts (--provider kubernetes)")
	e.bind("leader-elect", "leader_elect")
	fs.StringVar(&c.LeaseNamespace, "leader-election-namespace", "", "namespace of the Lease (default: the pod's namespace, else openfaas)")
	e.bind("leader-election-namespace", "leader_election_namespace")
	fs.StringVar(&c.LeaseName, "leader-election-lease", "faas-autoscaler", "name of the Lease")
	e.bind("leader-election-lease", "leader_election_lease")
	defineNATSFlags(e, &c.natsConfig)

	// The tuning flags of earlier releases keep working, each with one
	// deprecation warning naming its config key; their environment
	// variables too.
	c.deprecated = config.BindDeprecated(fs, nil)
	for flagName, env := range deprecatedEnv {
		e.bind(flagName, env)
	}
	return e
}

// deprecatedEnv are the environment variables the deprecated tuning flags
// read (OpenFaaS's names where OpenFaaS has one).
var deprecatedEnv = map[string]string{
	"interval": "scale_interval", "stable-window": "stable_window", "burst-window": "burst_window",
	"default-target": "default_target", "default-zero-duration": "inactivity_duration",
	"horizontal-scaling": "horizontal_scaling", "idler": "idler", "idle-schedule": "idle_schedule",
	"maintain-min": "maintain_min_replicas", "prometheus-coverage-selector": "prometheus_coverage_selector",
	"prometheus-max-scrape-gap": "prometheus_max_scrape_gap", "prometheus-timeout": "prometheus_timeout",
}

// loadTuning reads the tuning: the base (the built-in defaults, or the
// embedded default's demo timings), CE's scaling defaults with
// --ce-defaults, the --config file over it, the deprecated flags over
// that, validated once. It is called at start and on every SIGHUP; on error
// the caller keeps what it has. overridden are the file's keys that a
// deprecated flag beats, for warnOverridden.
func (c *runConfig) loadTuning(base config.Config) (tuning config.Config, overridden []config.Override, err error) {
	if c.DefaultsCE {
		base.Defaults = config.FromScaler(scaler.CEDefaults())
	}
	return config.LoadOverNoting(base, c.ConfigFile, c.deprecated)
}

// warnOverridden names each key of the --config file whose value is not in
// force because a deprecated flag, or its environment variable, beats it:
// at start and after every reload, so an edit of that key is not ignored in
// silence.
func warnOverridden(log *slog.Logger, overridden []config.Override) {
	for _, o := range overridden {
		by := "--" + o.Flag
		if env, ok := deprecatedEnv[o.Flag]; ok {
			by += " (or its environment variable " + env + ")"
		}
		log.Warn("a key of the --config file is overridden by a deprecated flag: the flag's value is in force, not the file's",
			"key", o.Key, "file", o.At, "flag", by)
	}
}

// leaderOnlyFlags are the flags that only --leader-elect reads.
var leaderOnlyFlags = []string{"leader-election-lease", "leader-election-namespace"}

// warnLeaderOnly names, at start, the leader-only flags given (on the
// command line or by their variable) while --leader-elect is off. They are
// ignored then, so an operator who set the Lease but forgot --leader-elect
// ran every replica as a leader without a word. A warning, not a refusal:
// a chart may set the variables for every install, electing or not.
func warnLeaderOnly(log *slog.Logger, c *runConfig, explicit map[string]bool) {
	if c.LeaderElect {
		return
	}
	var given []string
	for _, name := range leaderOnlyFlags {
		if explicit[name] {
			given = append(given, c.flagSource(name))
		}
	}
	if len(given) > 0 {
		log.Warn("leader election is off (no --leader-elect): these flags have no effect, and every replica acts as if it led",
			"flags", strings.Join(given, ", "))
	}
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

// loadFunctions reads --functions-file, naming the file and line of a bad
// entry; an empty file is refused (the controller would manage nothing).
func (c *runConfig) loadFunctions() error {
	if c.FunctionsFile == "" {
		return nil
	}
	fns := new(functionFlags)
	if err := fns.readFile(c.FunctionsFile); err != nil {
		return fmt.Errorf("--functions-file: %w", err)
	}
	for i := range *fns {
		if len((*fns)[i].Labels) == 0 {
			(*fns)[i].Labels = nil // as the OpenFaaS client lists a function without labels: no map
		}
	}
	c.functions = fns
	if len(*fns) == 0 {
		return fmt.Errorf("--functions-file %s: no functions in it", c.FunctionsFile)
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}

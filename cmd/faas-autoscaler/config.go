package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/provider/kubernetes"
	"github.com/faas-autoscaler/faas-autoscaler/provider/openfaas"
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
		} else if err := openfaas.CheckGatewayURL(c.GatewayURL); err != nil {
			bad("--gateway-url %q: %v (want an http(s) URL such as http://gateway.openfaas:8080/)", c.GatewayURL, err)
		}
	}
	if (mode == "openfaas" || mode == "kubernetes") && c.PrometheusURL == "" {
		bad("--prometheus-url is required with --provider %s (the load and activity of functions come from Prometheus)", mode)
	}
	memoryFromFile := mode == "memory" && c.FunctionsFile != ""
	if c.PrometheusURL != "" && mode != "openfaas" && mode != "kubernetes" && !memoryFromFile {
		// As --nats-url and --leader-elect where they do not apply: the
		// embedded default and the memory provider's demo read their
		// simulated gateway through the embedded source, so a URL here was
		// silently ignored. With --functions-file the memory provider
		// holds the file's functions and Prometheus has their metrics.
		bad("--prometheus-url needs --provider openfaas or kubernetes, or --provider memory with --functions-file (the embedded default and the memory provider's demo read the simulated gateway's metrics themselves)")
	} else if c.PrometheusURL != "" {
		if u, err := url.Parse(c.PrometheusURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--prometheus-url %q: want an http(s) URL such as http://prometheus.openfaas:9090", c.PrometheusURL)
		}
	}
	// The listener is opened only after wiring, where a malformed address
	// failed with exit 1 as if at run time; its form is checked here (a
	// port in use is still found, and is a run-time failure, when opened).
	if c.Listen == "" {
		bad("--listen must not be empty")
	} else if err := checkListenAddress(c.Listen); err != nil {
		bad("--listen %q: %v", c.Listen, err)
	}
	if strings.TrimSpace(c.DefaultNamespace) == "" {
		bad("--default-namespace must not be empty: a function_name without a dot needs a namespace (default openfaas-fn)")
	} else if !alerts.ValidNamespace(c.DefaultNamespace) {
		// Refused by the webhook at wiring before: exit 1, no flag named.
		bad("--default-namespace %q: want letters, digits, '-', '_' or '.', at most 253 characters", c.DefaultNamespace)
	}
	if c.DebugListen != "" {
		// As --listen: a bad port passed this check and stopped the start
		// with exit 1, as if the port were taken.
		if err := checkListenAddress(c.DebugListen); err != nil {
			bad("--debug-listen %q: %v (e.g. 127.0.0.1:6060)", c.DebugListen, err)
		} else if c.DebugListen == c.Listen {
			bad("--debug-listen %q: must differ from --listen (the profiler stays off the public address)", c.DebugListen)
		}
	}
	if !(c.MemoryLimitRatio >= 0 && c.MemoryLimitRatio <= 1) {
		bad("--memory-limit-ratio %v: want a share from 0 (off) to 1, such as 0.9", c.MemoryLimitRatio)
	}
	if c.GCPercent != 0 && (c.GCPercent < 10 || c.GCPercent > 1000) {
		bad("--gc-percent %d: want 10 to 1000, or 0 for the runtime's default", c.GCPercent)
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
	switch c.WebhookAuth {
	case "basic", "bearer", "basic+bearer", "none":
	default:
		bad("--webhook-auth %q: want basic, bearer, basic+bearer or none", c.WebhookAuth)
	}
	if strings.Contains(c.WebhookAuth, "bearer") && c.WebhookTokenFile == "" {
		bad("--webhook-token-file is required with --webhook-auth %s", c.WebhookAuth)
	}
	if c.WebhookMaxBody < 1024 || c.WebhookMaxBody > alerts.MaxMaxBody {
		bad("--webhook-max-body-bytes %d: want 1024 to %d bytes (default %d, 1 MiB)", c.WebhookMaxBody, int64(alerts.MaxMaxBody), int64(alerts.DefaultMaxBody))
	}
	if c.FunctionsFile != "" && mode != "memory" {
		bad("--functions-file needs --provider memory (it seeds the in-memory provider)")
	}
	if c.LeaderElect && mode != "kubernetes" {
		bad("--leader-elect needs --provider kubernetes (the Lease lives in the cluster)")
	}
	if c.LeaderElect {
		// Checked here, not left to leader.New at wiring: that failed with
		// exit 1 blaming --leader-elect, and an empty name fell back to the
		// default one, which another Deployment may be electing on.
		if c.LeaseName == "" {
			bad("--leader-election-lease must not be empty: every replica of one controller elects on the Lease it names (default faas-autoscaler)")
		} else if err := leader.CheckLeaseName(c.LeaseName); err != nil {
			bad("%s %v", c.flagSource("leader-election-lease"), err)
		}
		if c.LeaseNamespace != "" { // empty: the pod's namespace
			if err := leader.CheckNamespace(c.LeaseNamespace); err != nil {
				bad("%s %v", c.flagSource("leader-election-namespace"), err)
			}
		}
	}
	if mode == "kubernetes" {
		// Checked here as kubernetes.New checks them at wiring, where a bad
		// value stopped the start with exit 1 (a run-time failure the
		// kubelet restarts for ever) naming neither flag.
		if err := kubernetes.CheckSelector(c.Selector); err != nil {
			bad("%s: %v", c.flagSource("selector"), err)
		}
		for _, ns := range c.Namespaces {
			if err := kubernetes.CheckNamespace(ns); err != nil {
				bad("%s: %v", c.flagSource("namespaces"), err)
			}
		}
	}
	c.natsConfig.validate(mode, bad)
	return errors.Join(errs...)
}

// flagSource names a flag for a message about its value: "--name", and
// the variable when the value came from it, since an operator who set
// the variable in a manifest looks for that name, not the flag's.
func (c *runConfig) flagSource(name string) string {
	if env, ok := c.fromEnv[name]; ok {
		return "--" + name + " (environment variable " + env + ")"
	}
	return "--" + name
}

// checkListenAddress checks the form of a listen address: host:port with
// the port a number from 0 to 65535 or a service name (net.Listen's own
// rules, without opening anything).
func checkListenAddress(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port such as :8080 or 127.0.0.1:8080")
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("port %q: want a number from 0 to 65535", port)
	}
	return nil
}

// flagError is a bad flag value that only wiring finds: a file a flag
// names that cannot be read (--webhook-token-file, --kubeconfig, the
// secrets under --secret-mount-path). runCmd exits 2 for it, as for what
// Validate refuses (README: "A bad value exits with status 2 and names the
// flag"), so scripts and the kubelet can tell a configuration error from a
// run-time failure (exit 1).
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

// badFlag is a wiring error caused by a flag's value; the message names
// the flag.
func badFlag(format string, a ...any) error { return flagError{fmt.Errorf(format, a...)} }

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

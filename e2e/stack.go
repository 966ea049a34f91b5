package e2e

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// Job names of the two scrape targets. "gateway" is one of the job names the
// controller's default coverage selector knows.
const (
	JobGateway    = "gateway"
	JobController = "faas-autoscaler"
)

// Options shape one stack. The zero value (plus Binary) is the CI stack:
// 1 s scrape and evaluation, rules generated for a 1 s scrape, AlertManager
// group_wait and group_interval 1 s, test-sized controller windows.
type Options struct {
	// Binary is the controller binary (BuildController); required.
	Binary string
	// ScrapeInterval and EvalInterval of Prometheus (default 1s each).
	ScrapeInterval time.Duration
	EvalInterval   time.Duration
	// Rules are the generator's options; default rules.ForScrapeInterval(ScrapeInterval).
	Rules *rules.Options
	// EditRules changes the generated rule file (a typed value) before it is
	// loaded, e.g. to keep only OpenFaaS CE's rule.
	EditRules func(*rules.RuleFile)
	// Alertmanager are the receiver generator's options; ControllerURL,
	// PasswordFile and Full are set by the harness. Default: the generator's
	// defaults with group_wait 1s, group_interval 1s, repeat_interval 30s.
	Alertmanager *rules.AlertmanagerOptions
	// EditAlertmanager changes the generated AlertManager config (a typed
	// value) before it is loaded, e.g. another group_by.
	EditAlertmanager func(*rules.AlertmanagerConfig)
	// AlertmanagerPassword is what AlertManager's password file holds;
	// empty means the controller's real password.
	AlertmanagerPassword string
	// ColdStart is how long a new replica takes to become available (default 2s).
	ColdStart time.Duration
	// Config edits the controller's configuration file (a typed value:
	// TestTimings) before the harness writes it for `run --config`; the
	// benches set the shipped timings back this way.
	Config func(*config.Config)
	// ControllerArgs are appended to the harness's `run` flags (wiring such
	// as --dry-run or --debug-listen; tuning goes in Config); a flag given
	// twice takes its last value.
	ControllerArgs []string
	// NoInflightGauge runs the gateway as OpenFaaS CE's: without
	// gateway_function_invocation_inflight (OpenFaaS Pro's).
	NoInflightGauge bool
	// Functions are deployed before the controller starts, so its first
	// pass lists them (with a long --interval that first pass is the only
	// listing, and the webhook refuses functions the loop has not listed).
	Functions []provider.Function
	// Async runs NATS JetStream, the /async-function route and a queue
	// worker (e2e/async.go); AsyncMaxInflight is the worker's messages per
	// ready replica (default 10); QueueFromJetStream gives the controller
	// --nats-url, so it reads the queue load from JetStream, not Prometheus.
	Async              bool
	AsyncMaxInflight   int
	QueueFromJetStream bool
	// PromArgs replace the default extra Prometheus flags
	// (--rules.alert.resend-delay=1s: alerts reach an AlertManager discovered
	// late at once, and a killed Prometheus's alerts resolve within seconds).
	PromArgs []string
	// Route, when set, gives the URLs the controller uses for the gateway
	// and Prometheus instead of theirs (fault proxies in between).
	Route func(gatewayURL, promURL string) (controllerGatewayURL, controllerPromURL string)
}

// Stack is one running end-to-end stack: the simulated gateway in-process
// over a memory provider, a real Prometheus and AlertManager, and the
// controller binary as a child process, wired as in production:
//
//	gateway /metrics ← Prometheus (generated rules) → AlertManager (generated
//	config) → Tap → controller /system/alert; controller → gateway provider
//	API; Prometheus also scrapes the controller's /metrics.
type Stack struct {
	Mem        *memory.Provider
	Gateway    *gatewaysim.Gateway
	GatewayURL string
	Prom       *teststack.Prom
	AM         *teststack.AM
	Controller *Controller
	Tap        *Tap
	// User and Password are the basic-auth credentials of the gateway and
	// the webhook; SecretsDir holds them as basic-auth-user/-password.
	User, Password string
	SecretsDir     string
	// Async is the NATS side when Options.Async is set.
	Async *Async
	// RuleFile and AlertmanagerConfig are the YAML actually loaded.
	RuleFile, AlertmanagerConfig []byte
	// ConfigPath is the controller's configuration file (`run --config`).
	ConfigPath string
}

// TestTimings is the controller configuration the harness starts from: the
// shipped defaults with test-sized windows (a pass every 2 s, 10 s stable
// and 4 s burst windows, a 10 s down window, an idler cycle every 2 s) and
// the coverage of this stack's gateway job at a 5 s gap.
func TestTimings() config.Config {
	c := config.Default()
	c.Scaler.Interval, c.Scaler.StableWindow, c.Scaler.BurstWindow = 2*time.Second, 10*time.Second, 4*time.Second
	c.Defaults.DownWindow = 10 * time.Second
	c.Idler.Schedule = "@every 2s"
	c.Prometheus.CoverageSelector = `up{job="` + JobGateway + `"}`
	c.Prometheus.MaxScrapeGap = 5 * time.Second
	return c
}

// writeConfig writes the controller's configuration file into dir: TestTimings
// edited by edit (nil: as it is).
func writeConfig(t testing.TB, dir string, edit func(*config.Config)) string {
	t.Helper()
	c := TestTimings()
	if edit != nil {
		edit(&c)
	}
	data, err := config.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "faas-autoscaler.yaml")
	writeFile(t, path, string(data))
	return path
}

// controllerFlags are the flags the harness passes to `faas-autoscaler run`
// before Options.ControllerArgs: the wiring, and the configuration file
// that holds the tuning.
func controllerFlags(gatewayURL, promURL, secrets, listen, configPath string) []string {
	return []string{
		"run",
		"--provider", "openfaas",
		"--gateway-url", gatewayURL,
		"--prometheus-url", promURL,
		"--secret-mount-path", secrets,
		"--listen", listen,
		"--log-format", "json",
		"--log-level", "debug",
		"--config", configPath,
	}
}

// Start builds and starts a stack; everything stops in t.Cleanup. It waits
// until Prometheus has scraped both the gateway and the controller.
func Start(t testing.TB, o Options) *Stack {
	t.Helper()
	if o.Binary == "" {
		t.Fatal("e2e.Start: Options.Binary is required (BuildController)")
	}
	if o.ScrapeInterval == 0 {
		o.ScrapeInterval = time.Second
	}
	if o.EvalInterval == 0 {
		o.EvalInterval = o.ScrapeInterval
	}
	if o.ColdStart == 0 {
		o.ColdStart = 2 * time.Second
	}
	if o.PromArgs == nil {
		o.PromArgs = []string{"--rules.alert.resend-delay=1s"}
	}
	s := &Stack{User: "admin", Password: randomPassword(t)}
	dir := t.TempDir()

	s.SecretsDir = filepath.Join(dir, "secrets")
	writeFile(t, filepath.Join(s.SecretsDir, "basic-auth-user"), s.User+"\n")
	writeFile(t, filepath.Join(s.SecretsDir, "basic-auth-password"), s.Password+"\n")

	// The simulated gateway, in-process, with basic auth on its provider API.
	clk := clock.Real()
	s.Mem = memory.New(clk, memory.Options{ColdStart: o.ColdStart})
	gw, err := gatewaysim.New(gatewaysim.Config{Provider: s.Mem, Clock: clk, ScaleFromZero: true, Inflight: !o.NoInflightGauge})
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	s.Gateway = gw
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = gw.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	apiOpts := gatewaysim.APIOptions{Username: s.User, Password: s.Password}
	targets := []teststack.Target{}
	if o.Async {
		s.Async = startAsync(t, s, o.AsyncMaxInflight)
		apiOpts.Async = s.Async.pub
		targets = append(targets, teststack.Target{Job: JobQueueWorker, URL: strings.TrimPrefix(s.Async.metrics.URL, "http://")})
	}
	gsrv := httptest.NewServer(gw.Handler(apiOpts))
	t.Cleanup(gsrv.Close)
	s.GatewayURL = gsrv.URL

	// The test binds the controller's socket and passes it (--listen fd:3):
	// a port probed free and bound later by the child could be taken in
	// between (issue 15: `bind: address already in use` in bench-reaction).
	listen, lnFile := teststack.InheritedListener(t)
	s.Tap = newTap(t, "http://"+listen)

	// AlertManager with the generated config, posting through the tap.
	amPassword := o.AlertmanagerPassword
	if amPassword == "" {
		amPassword = s.Password
	}
	amPasswordFile := filepath.Join(dir, "alertmanager-password")
	writeFile(t, amPasswordFile, amPassword+"\n")
	s.AlertmanagerConfig = renderAlertmanager(t, o, s.Tap.URL(), s.User, amPasswordFile)
	s.AM = teststack.Alertmanager(t, teststack.AMOptions{Config: string(s.AlertmanagerConfig)})

	// Prometheus with the generated rules, scraping the gateway and the
	// controller (the alerts compare the load with the controller's gauges).
	s.RuleFile = renderRules(t, o)
	s.Prom = teststack.Prometheus(t, teststack.PromOptions{
		ScrapeInterval: o.ScrapeInterval,
		EvalInterval:   o.EvalInterval,
		ScrapeTargets: append([]teststack.Target{
			{Job: JobGateway, URL: strings.TrimPrefix(s.GatewayURL, "http://")},
			{Job: JobController, URL: listen},
		}, targets...),
		RuleFiles:       []string{string(s.RuleFile)},
		AlertmanagerURL: s.AM.URL(),
		ExtraArgs:       o.PromArgs,
	})

	for _, fn := range o.Functions {
		s.Deploy(t, fn)
	}
	gwURL, promURL := s.GatewayURL, s.Prom.URL()
	if o.Route != nil {
		gwURL, promURL = o.Route(gwURL, promURL)
	}
	s.ConfigPath = writeConfig(t, dir, o.Config)
	args := controllerFlags(gwURL, promURL, s.SecretsDir, "fd:3", s.ConfigPath)
	if o.QueueFromJetStream && s.Async != nil {
		args = append(args, "--nats-url", s.Async.NATS.URL())
	}
	args = append(args, o.ControllerArgs...)
	s.Controller = startController(t, o.Binary, listen, lnFile, args)

	s.Prom.WaitUp(t, JobGateway)
	s.Prom.WaitUp(t, JobController)
	return s
}

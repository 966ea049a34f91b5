package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
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

func renderRules(t testing.TB, o Options) []byte {
	t.Helper()
	ro := rules.ForScrapeInterval(o.ScrapeInterval)
	if o.Rules != nil {
		ro = *o.Rules
	}
	f, err := rules.Generate(ro)
	if err != nil {
		t.Fatalf("generate rules: %v", err)
	}
	if o.EditRules != nil {
		o.EditRules(&f)
	}
	b, err := yaml.Marshal(f)
	if err != nil {
		t.Fatalf("render rules: %v", err)
	}
	return b
}

func renderAlertmanager(t testing.TB, o Options, receiverURL, user, passwordFile string) []byte {
	t.Helper()
	ao := rules.DefaultAlertmanagerOptions()
	ao.GroupWait, ao.GroupInterval, ao.RepeatInterval = time.Second, time.Second, 30*time.Second
	if o.Alertmanager != nil {
		ao = *o.Alertmanager
	}
	ao.ControllerURL, ao.Username, ao.PasswordFile, ao.Full = receiverURL, user, passwordFile, true
	v, err := rules.GenerateAlertmanager(ao)
	if err != nil {
		t.Fatalf("generate alertmanager config: %v", err)
	}
	cfg, ok := v.(rules.AlertmanagerConfig)
	if !ok {
		t.Fatalf("generate alertmanager config: got %T, want rules.AlertmanagerConfig", v)
	}
	if o.EditAlertmanager != nil {
		o.EditAlertmanager(&cfg)
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatalf("render alertmanager config: %v", err)
	}
	return b
}

// Deploy adds a function to the gateway (its replicas available at once)
// and gives it a workload with no load yet, so the gateway exports it.
// A zero CreatedAt becomes an hour ago: old enough to be idled.
func (s *Stack) Deploy(t testing.TB, fn provider.Function) {
	t.Helper()
	if fn.CreatedAt.IsZero() {
		fn.CreatedAt = time.Now().Add(-time.Hour)
	}
	if err := s.Mem.Deploy(fn); err != nil {
		t.Fatalf("deploy %s: %v", fn.Ref, err)
	}
	s.Gateway.SetWorkload(fn.Ref, gatewaysim.Workload{Duration: 50 * time.Millisecond})
}

// SetRPS sets a function's offered load.
func (s *Stack) SetRPS(ref provider.Ref, rps float64) { s.Gateway.SetRPS(ref, rps) }

// Function reads a function from the memory provider.
func (s *Stack) Function(t testing.TB, ref provider.Ref) provider.Function {
	t.Helper()
	fn, err := s.Mem.Function(context.Background(), ref)
	if err != nil {
		t.Fatalf("read %s: %v", ref, err)
	}
	return fn
}

// Calls returns the scale calls that reached the provider for ref, in order
// (the controller's, through the gateway API, and the gateway's own
// scale-from-zero).
func (s *Stack) Calls(ref provider.Ref) []memory.ScaleCall {
	var out []memory.ScaleCall
	for _, c := range s.Mem.Calls() {
		if c.Ref == ref {
			out = append(out, c)
		}
	}
	return out
}

// Metric reads one value from the controller's /metrics (sum over the
// samples whose labels include match); false when absent.
func (s *Stack) Metric(t testing.TB, name string, match map[string]string) (float64, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fams, err := s.Controller.Metrics(ctx)
	if err != nil {
		t.Fatalf("controller metrics: %v", err)
	}
	return MetricValue(fams, name, match)
}

// Died is non-nil when a process of the stack (Prometheus, AlertManager,
// the controller, NATS) has ended without the test stopping it, naming each:
// a measurement taken across such a death measures the death, and a
// harness must not report it as the system's (a stage that "never
// happened" because the controller was gone is no reaction time).
func (s *Stack) Died() error {
	var errs []error
	if s.Prom != nil {
		errs = append(errs, s.Prom.Exited())
	}
	if s.AM != nil {
		errs = append(errs, s.AM.Exited())
	}
	if s.Controller != nil {
		errs = append(errs, s.Controller.Exited())
	}
	if s.Async != nil && s.Async.NATS != nil {
		errs = append(errs, s.Async.NATS.Exited())
	}
	return errors.Join(errs...)
}

// Describe summarises a function's state and calls for failure messages.
func (s *Stack) Describe(ref provider.Ref) string {
	fn, err := s.Mem.Function(context.Background(), ref)
	if err != nil {
		return fmt.Sprintf("%s: %v", ref, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: replicas %d, available %d; calls:", ref, fn.Replicas, fn.AvailableReplicas)
	for _, c := range s.Calls(ref) {
		fmt.Fprintf(&b, " [%s %d→%d err=%v]", c.At.Format("15:04:05.000"), c.From, c.To, c.Err)
	}
	return b.String()
}

// Eventually polls cond until it is true (testenv.WaitFor), and fails the
// test after timeout with what and cond's last detail. Timeouts are
// generous: the machine is small and shared; a slow pass is not a failure,
// a wrong one is.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	var detail string
	testenv.WaitFor(t, timeout, what, func() bool {
		var ok bool
		ok, detail = cond()
		return ok
	}, func() string { return detail })
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func randomPassword(t testing.TB) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Explain reads the controller's explanation of one function
// (GET /api/v1/functions/{namespace}/{name}).
func (s *Stack) Explain(t testing.TB, ref provider.Ref) explain.Function {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := s.Controller.URL() + "/api/v1/functions/" + url.PathEscape(ref.Namespace) + "/" + url.PathEscape(ref.Name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("explain %s: %v", ref, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("explain %s: status %d", ref, resp.StatusCode)
	}
	var fn explain.Function
	if err := json.NewDecoder(resp.Body).Decode(&fn); err != nil {
		t.Fatalf("explain %s: %v", ref, err)
	}
	return fn
}

// NewFunction is a function with one replica and the given labels as
// key, value pairs.
func NewFunction(ref provider.Ref, labels ...string) provider.Function {
	fn := provider.Function{Ref: ref, Labels: map[string]string{}, Replicas: 1}
	for i := 0; i+1 < len(labels); i += 2 {
		fn.Labels[labels[i]] = labels[i+1]
	}
	return fn
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/controller"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/internal/exposition"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// runCmd is `faas-autoscaler run`.
func runCmd(args []string, stdout, stderr io.Writer) int {
	// SIGHUP is caught from the first instruction: a HUP nobody asked for
	// ends a Go process, and a ConfigMap that changes while the pod starts
	// (cache sync, leader election) must not kill it. The signal waits in
	// the channel and is applied once the reload loop runs.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var c runConfig
	e := defineRunFlags(&c)
	e.fs.SetOutput(stderr)
	if err := e.parse(args, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "faas-autoscaler run: %v\n", err)
		return 2
	}
	c.fromEnv = e.fromEnv
	for name, env := range e.fromEnv {
		if _, deprecated := deprecatedEnv[name]; deprecated {
			c.deprecated.SetFromEnv(name, env)
		}
	}
	explicit := explicitFlags(e)
	base := config.Default()
	if c.mode() == "embedded" || c.mode() == "memory" {
		applyDemoWiring(&c, explicit)
		if c.FunctionsFile == "" { // functions from a file are not the demo: production timings
			base = demoTuning(base)
		}
	}
	tuning, overridden, err := c.loadTuning(base)
	if err != nil {
		fmt.Fprintf(stderr, "faas-autoscaler run: invalid configuration:\n%v\n", err)
		return 2
	}
	c.Tuning = tuning
	if err := c.Validate(); err != nil {
		fmt.Fprintf(stderr, "faas-autoscaler run: invalid configuration:\n%v\n", err)
		return 2
	}
	if err := c.loadFunctions(); err != nil {
		fmt.Fprintf(stderr, "faas-autoscaler run: invalid configuration:\n%v\n", err)
		return 2
	}
	logger, err := newLogger(c, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "faas-autoscaler run: %v\n", err)
		return 2
	}
	for _, w := range c.deprecated.Warnings() {
		logger.Warn(w)
	}
	warnOverridden(logger, overridden)
	warnLeaderOnly(logger, &c, explicit)
	// Set means non-empty, as the runtime reads them (an empty GOGC or
	// GOMEMLIMIT is the runtime's default): a manifest rendering
	// GOMEMLIMIT: "" left the process with no soft limit at all, while
	// the log said the variable was in force.
	envLimit := os.Getenv("GOMEMLIMIT") != ""
	setMemoryLimit(c.MemoryLimitRatio, os.DirFS("/"), envLimit, logger)
	envGC := os.Getenv("GOGC") != ""
	setGCPercent(c.GCPercent, envGC, logger)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, stop := shutdownOnSignal(context.Background(), sigs, logger, os.Exit)
	defer stop()
	if c.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Duration)
		defer cancel()
	}
	if err := runController(ctx, c, base, logger, stdout, hup); err != nil {
		if fe := (flagError{}); errors.As(err, &fe) {
			fmt.Fprintf(stderr, "faas-autoscaler run: invalid configuration:\n%v\n", err)
			return 2
		}
		logger.Error("controller stopped", "err", err)
		return 1
	}
	return 0
}

func newLogger(c runConfig, w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(c.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("--log-level %q: %v", c.LogLevel, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// process is the running process: the wiring around one controller assembly.
type process struct {
	cfg      runConfig
	base     config.Config // what a reload starts from
	log      *slog.Logger
	reg      *exposition.Registry // streams the per-function series at /metrics
	clk      clock.Clock
	provider provider.Provider
	source   metricsource.Source
	history  keepalive.RangeQuerier
	sections []explain.Section // the wiring's own explain sections (the Kubernetes provider's)
	asm      *controller.Controller
	webhook  http.Handler
	// extra runs beside the controller (simulated gateway, scraper, informers…).
	extra []func(ctx context.Context) error
	// leading reports whether this replica may act (leader election); nil = always.
	leading func() bool
	// onListen learns the bound address before anything else starts.
	onListen func(addr string)
	// warmup delays the acting parts after start (the embedded source needs two scrapes).
	warmup time.Duration
	// lead wraps the acting parts in leader election when set.
	lead func(ctx context.Context, act func(ctx context.Context)) error
	// startup runs after the listener is up and before the loops (a
	// provider's cache sync): /healthz answers meanwhile, /readyz waits.
	startup []func(ctx context.Context) error
	ready   atomic.Bool
	// hup delivers SIGHUP, registered before anything else; nil = register
	// when the reload loop starts.
	hup <-chan os.Signal
}

func runController(ctx context.Context, c runConfig, base config.Config, logger *slog.Logger, stdout io.Writer, hup <-chan os.Signal) error {
	p := &process{cfg: c, base: base, log: logger, reg: exposition.NewRegistry(), clk: clock.Real(), hup: hup}
	p.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var view *demoView
	switch c.mode() {
	case "embedded", "memory":
		d, err := p.wireEmbedded(stdout)
		if err != nil {
			return err
		}
		view = d
	case "openfaas":
		if err := p.wireOpenFaaS(); err != nil {
			return err
		}
	case "kubernetes":
		if err := p.wireKubernetes(ctx); err != nil {
			return err
		}
	}
	if err := p.wireNATS(); err != nil {
		return err
	}
	if err := p.assemble(); err != nil {
		return err
	}
	if view != nil {
		view.loop = p.asm.Loop
		p.onListen = func(addr string) { view.addr = addr }
		p.extra = append(p.extra, view.run)
	}
	return p.serve(ctx)
}

// assemble builds the controller assembly over the chosen provider and
// metrics source, and the webhook in front of its loop.
func (p *process) assemble() error {
	c := p.cfg
	p.provider = provider.Instrument(p.provider, p.reg)
	asm, err := controller.New(c.Tuning, controller.Wiring{DryRun: c.DryRun, Namespaces: c.Namespaces,
		DefaultNamespace: c.DefaultNamespace}, controller.Deps{Provider: p.provider, Source: p.source, Clock: p.clk,
		Registerer: p.reg, Logger: p.log, Leading: p.leading, History: p.history, Sections: p.sections})
	if err != nil {
		return err
	}
	p.asm = asm
	if p.webhook == nil {
		h, err := p.newWebhook()
		if err != nil {
			return err
		}
		p.webhook = h
	}
	return nil
}

func (p *process) newWebhook() (http.Handler, error) {
	c := p.cfg
	var sink alerts.Sink = p.asm.Loop
	if !c.Tuning.Scaler.Enabled {
		sink = scaler.Disabled{} // restart-only: a reload cannot turn it on
	}
	wc := alerts.Config{
		Sink: sink, DefaultNamespace: c.DefaultNamespace, Auth: alerts.AuthMode(c.WebhookAuth),
		Registerer: p.reg, Logger: p.log.With("component", "webhook"), Clock: p.clk,
		MaxBody: c.WebhookMaxBody, MaxBodySetting: "--webhook-max-body-bytes",
	}
	basic := c.WebhookAuth == "basic" || c.WebhookAuth == "basic+bearer"
	bearer := c.WebhookAuth == "bearer" || c.WebhookAuth == "basic+bearer"
	// read reads the secrets the mode uses: at start, and again after wrong
	// credentials (a rotated Secret; alerts.Config.Secrets).
	read := func() (user, pass, token string, err error) {
		if basic {
			if user, pass, err = alerts.LoadCredentials(c.SecretMountPath); err != nil {
				return "", "", "", fmt.Errorf("--webhook-auth %s: %w (or choose --webhook-auth none explicitly)", c.WebhookAuth, err)
			}
		}
		if bearer {
			if token, err = alerts.LoadBearerToken(c.WebhookTokenFile); err != nil {
				return "", "", "", fmt.Errorf("--webhook-token-file: %w", err)
			}
		}
		return user, pass, token, nil
	}
	if basic || bearer {
		u, pw, tok, err := read()
		if err != nil {
			return nil, badFlag("%w", err)
		}
		wc.Username, wc.Password, wc.BearerToken, wc.Secrets = u, pw, tok, read
		var files []string
		if basic {
			files = append(files, filepath.Join(c.SecretMountPath, alerts.BasicAuthUserFile),
				filepath.Join(c.SecretMountPath, alerts.BasicAuthPasswordFile))
		}
		if bearer {
			files = append(files, c.WebhookTokenFile)
		}
		wc.SecretsStamp = alerts.FilesStamp(files...)
	}
	h, err := alerts.NewHandler(wc)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return h, nil
}

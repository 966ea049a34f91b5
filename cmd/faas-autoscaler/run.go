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
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/internal/httpserver"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// runCmd is `faas-autoscaler run`.
func runCmd(args []string, stdout, stderr io.Writer) int {
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
	explicit := map[string]bool{}
	e.fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	for name, env := range e.env {
		if _, ok := os.LookupEnv(env); ok {
			explicit[name] = true
		}
	}
	if c.DefaultsCE {
		applyCEDefaults(&c, explicit)
	}
	if c.mode() == "embedded" || c.mode() == "memory" {
		applyDemoTimings(&c, explicit)
	}
	if err := c.Validate(); err != nil {
		fmt.Fprintf(stderr, "faas-autoscaler run: invalid configuration:\n%v\n", err)
		return 2
	}
	logger, err := newLogger(c, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "faas-autoscaler run: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Duration)
		defer cancel()
	}
	if err := runController(ctx, c, logger, stdout); err != nil {
		logger.Error("controller stopped", "err", err)
		return 1
	}
	return 0
}

func applyCEDefaults(c *runConfig, explicit map[string]bool) {
	ce := scaler.CEDefaults()
	d := &c.Defaults
	set := func(flagName string, f func()) {
		if !explicit[flagName] {
			f()
		}
	}
	set("default-type", func() { d.Type = ce.Type })
	set("default-max", func() { d.Max = ce.Max })
	set("default-factor", func() { d.Factor = ce.Factor })
	set("exact-ce", func() { d.ExactCE = ce.ExactCE })
	set("default-down-window", func() { d.DownWindow = ce.DownWindow })
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

// controller is the wired controller: the parts run concurrently until ctx ends.
type controller struct {
	cfg      runConfig
	log      *slog.Logger
	reg      *prometheus.Registry
	clk      clock.Clock
	provider provider.Provider
	source   metricsource.Source
	loop     *scaler.Loop
	idler    *idler.Idler
	prewarm  *keepalive.PreWarmer
	webhook  http.Handler
	// extra runs beside the loops (simulated gateway, scraper, informers…).
	extra []func(ctx context.Context) error
	// leading reports whether this replica may act (leader election); nil = always.
	leading func() bool
	// onListen learns the bound address before anything else starts.
	onListen func(addr string)
	// warmup delays the loops after start (the embedded source needs two scrapes).
	warmup time.Duration
	// lead wraps the acting parts in leader election when set.
	lead func(ctx context.Context, act func(ctx context.Context)) error
	// startup runs after the listener is up and before the loops (a
	// provider's cache sync): /healthz answers meanwhile, /readyz waits.
	startup []func(ctx context.Context) error
	ready   atomic.Bool
}

func runController(ctx context.Context, c runConfig, logger *slog.Logger, stdout io.Writer) error {
	ctl := &controller{cfg: c, log: logger, reg: prometheus.NewRegistry(), clk: clock.Real()}
	ctl.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var view *demoView
	switch c.mode() {
	case "embedded", "memory":
		d, err := ctl.wireEmbedded(stdout)
		if err != nil {
			return err
		}
		view = d
	case "openfaas":
		if err := ctl.wireOpenFaaS(); err != nil {
			return err
		}
	case "kubernetes":
		if err := ctl.wireKubernetes(ctx); err != nil {
			return err
		}
	}
	if err := ctl.wireLoops(); err != nil {
		return err
	}
	if view != nil {
		view.loop = ctl.loop
		ctl.onListen = func(addr string) { view.addr = addr }
		ctl.extra = append(ctl.extra, view.run)
	}
	return ctl.serve(ctx)
}

// wireLoops builds the scaler, the idler and the webhook over the chosen
// provider and metrics source.
func (ctl *controller) wireLoops() error {
	c := ctl.cfg
	ctl.provider = provider.Instrument(ctl.provider, ctl.reg)
	loop, err := scaler.NewLoop(scaler.LoopConfig{
		Provider: ctl.provider, Source: ctl.source, Clock: ctl.clk,
		Interval: c.Interval, StableWindow: c.StableWindow, BurstWindow: c.BurstWindow,
		Defaults: c.Defaults, DryRun: c.DryRun, Namespaces: c.Namespaces,
		MinFloor: idler.MinFloor(ctl.log), Registerer: ctl.reg, Logger: ctl.log.With("component", "scaler"),
	})
	if err != nil {
		return fmt.Errorf("scaler: %w", err)
	}
	ctl.loop = loop
	if c.Idler {
		ic := idler.Default()
		ic.Provider, ic.Source, ic.Clock = ctl.provider, ctl.source, ctl.clk
		ic.Schedule, ic.DefaultZeroDuration = c.IdleSchedule, c.Defaults.ZeroDuration
		ic.MaintainMin, ic.DryRun, ic.Namespaces = c.MaintainMin, c.DryRun, c.Namespaces
		ic.RecentScaleUp = loop.LastScaleUp
		ic.RefusedBackoff, ic.ScaleConcurrency = c.RefusedBackoff, c.ScaleConcurrency
		ic.Registerer, ic.Logger = ctl.reg, ctl.log.With("component", "idler")
		if err := ctl.wireKeepAlive(&ic); err != nil {
			return err
		}
		d, err := idler.New(ic)
		if err != nil {
			return fmt.Errorf("idler: %w", err)
		}
		ctl.idler = d
	}
	if ctl.webhook == nil {
		h, err := ctl.newWebhook()
		if err != nil {
			return err
		}
		ctl.webhook = h
	}
	return nil
}

func (ctl *controller) newWebhook() (http.Handler, error) {
	c := ctl.cfg
	wc := alerts.Config{
		Sink: ctl.loop, DefaultNamespace: c.DefaultNamespace, Auth: alerts.AuthMode(c.WebhookAuth),
		Registerer: ctl.reg, Logger: ctl.log.With("component", "webhook"), Clock: ctl.clk,
	}
	if c.WebhookAuth == "basic" || c.WebhookAuth == "basic+bearer" {
		u, p, err := alerts.LoadCredentials(c.SecretMountPath)
		if err != nil {
			return nil, fmt.Errorf("--webhook-auth %s: %w (or choose --webhook-auth none explicitly)", c.WebhookAuth, err)
		}
		wc.Username, wc.Password = u, p
	}
	if c.WebhookAuth == "bearer" || c.WebhookAuth == "basic+bearer" {
		tok, err := alerts.LoadBearerToken(c.WebhookTokenFile)
		if err != nil {
			return nil, fmt.Errorf("--webhook-token-file: %w", err)
		}
		wc.BearerToken = tok
	}
	h, err := alerts.NewHandler(wc)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return h, nil
}

// serve runs the HTTP endpoints, the loops and the extras until ctx ends,
// then shuts everything down and waits for it.
func (ctl *controller) serve(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	mux := http.NewServeMux()
	mux.Handle("/system/alert", ctl.webhook)
	var sections []explain.Section
	if ctl.idler != nil {
		sections = append(sections, ctl.idler)
	}
	if ctl.prewarm != nil {
		sections = append(sections, ctl.prewarm)
	}
	api := explain.Handler(ctl.loop, sections...)
	mux.Handle("/api/v1/functions", api)
	mux.Handle("/api/v1/functions/", api)
	mux.Handle("/metrics", promhttp.HandlerFor(ctl.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		switch {
		case !ctl.ready.Load():
			http.Error(w, "not ready: starting", http.StatusServiceUnavailable)
		case ctl.leading != nil && !ctl.leading():
			http.Error(w, "not ready: not the leader", http.StatusServiceUnavailable)
		default:
			_, _ = io.WriteString(w, "OK\n")
		}
	})
	hopts := httpserver.Default()
	ln, err := httpserver.Listen(ctl.cfg.Listen, hopts.MaxConns)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", ctl.cfg.Listen, err)
	}
	srv := httpserver.New(mux, hopts, ctl.log)
	ctl.log.Info("listening", "addr", ln.Addr().String(), "provider", ctl.cfg.mode(), "dry_run", ctl.cfg.DryRun)
	if ctl.onListen != nil {
		ctl.onListen(ln.Addr().String())
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start := func(name string, f func(ctx context.Context) error) {
		wg.Go(func() {
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		})
	}
	for i, f := range ctl.extra {
		start(fmt.Sprintf("extra %d", i), f)
	}
	act := func(ctx context.Context) {
		if ctl.warmup > 0 {
			t := ctl.clk.NewTicker(ctl.warmup)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
				t.Stop()
			}
		}
		var awg sync.WaitGroup
		if ctl.cfg.HorizontalScaling {
			awg.Go(func() { _ = ctl.loop.Run(ctx) })
		} else {
			// Signals still need a consumer; with horizontal scaling off the
			// loop is not run, so alerts are accepted and only logged.
			ctl.log.Info("horizontal scaling is off: only scale to zero runs")
		}
		if ctl.idler != nil {
			awg.Go(func() { _ = ctl.idler.Run(ctx) })
		}
		if ctl.prewarm != nil {
			awg.Go(func() { _ = ctl.prewarm.Run(ctx) })
		}
		awg.Wait()
	}
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http: %w", err)
		}
	})
	wg.Go(func() {
		for _, f := range ctl.startup {
			if err := f(ctx); err != nil {
				if ctx.Err() == nil {
					errs <- err
				}
				return
			}
		}
		if ctl.lead != nil {
			start("leader election", func(ctx context.Context) error { return ctl.lead(ctx, act) })
		} else {
			wg.Go(func() { act(ctx) })
		}
		ctl.ready.Store(true)
	})

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	cancel()
	ctl.ready.Store(false)
	shutCtx, shutCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer shutCancel()
	_ = srv.Shutdown(shutCtx)
	wg.Wait()
	ctl.log.Info("stopped")
	return runErr
}

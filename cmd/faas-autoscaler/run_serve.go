// The running process's lifetime: serving the HTTP endpoints beside the
// controller's loops until shutdown, reloading on SIGHUP, and /readyz.

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/controller"
	"github.com/faas-autoscaler/faas-autoscaler/internal/httpserver"
)

// reloadOnHUP re-reads the configuration on every SIGHUP: validate, then
// swap; a bad file keeps the configuration in force and says why. A HUP
// received while starting waits in p.hup and is applied here first.
func (p *process) reloadOnHUP(ctx context.Context) error {
	hup := p.hup
	if hup == nil {
		own := make(chan os.Signal, 1)
		signal.Notify(own, syscall.SIGHUP)
		defer signal.Stop(own)
		hup = own
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			p.reload()
		}
	}
}

func (p *process) reload() {
	next, overridden, err := p.cfg.loadTuning(p.base)
	if err != nil {
		p.log.Error("configuration reload refused; keeping the configuration in force", "file", p.cfg.ConfigFile, "err", err)
		return
	}
	restart, err := p.asm.Reload(next)
	if err != nil {
		p.log.Error("configuration reload refused; keeping the configuration in force", "file", p.cfg.ConfigFile, "err", err)
		return
	}
	warnOverridden(p.log, overridden)
	if len(restart) > 0 {
		p.log.Warn("configuration reloaded; these keys take effect at the next restart", "file", p.cfg.ConfigFile, "keys", restart)
		return
	}
	p.log.Info("configuration reloaded", "file", p.cfg.ConfigFile)
}

// serve runs the HTTP endpoints, the controller and the extras until ctx
// ends, then shuts everything down and waits for it.
func (p *process) serve(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	mux := controller.Mux(p.asm, p.webhook, p.reg, p.readiness)
	// Read once: the listener and server live for the process, so a
	// reload names server.* as restart-only (controller.Reload).
	hopts := p.cfg.Tuning.Server.Options()
	ln, err := httpserver.Listen(p.cfg.Listen, hopts.MaxConns)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", p.cfg.Listen, err)
	}
	srv := httpserver.New(mux, hopts, p.log)
	var debugLn net.Listener
	if p.cfg.DebugListen != "" {
		if debugLn, err = listenDebug(p.cfg.DebugListen); err != nil {
			_ = ln.Close()
			return err
		}
		p.log.Info("profiler listening", "addr", debugLn.Addr().String(), "path", "/debug/pprof/")
	}
	p.log.Info("listening", "addr", ln.Addr().String(), "provider", p.cfg.mode(), "dry_run", p.cfg.DryRun, "config", p.cfg.ConfigFile)
	if p.onListen != nil {
		p.onListen(ln.Addr().String())
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	// An error returned once ctx has ended is the component stopping, not
	// failing: with --duration it is context.DeadlineExceeded, which, when
	// it reached errs before the select below saw ctx end, made a clean
	// stop exit 1 ("extra 1: context deadline exceeded").
	start := func(name string, f func(ctx context.Context) error) {
		wg.Go(func() {
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		})
	}
	for i, f := range p.extra {
		start(fmt.Sprintf("extra %d", i), f)
	}
	start("reload", p.reloadOnHUP)
	if debugLn != nil {
		start("debug listener", func(ctx context.Context) error { return serveDebug(ctx, debugLn) })
	}
	start("learn", p.asm.Learn)
	act := func(ctx context.Context) {
		if p.warmup > 0 {
			t := p.clk.NewTicker(p.warmup)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
				t.Stop()
			}
		}
		p.asm.Act(ctx)
	}
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http: %w", err)
		}
	})
	wg.Go(func() {
		for _, f := range p.startup {
			if err := f(ctx); err != nil {
				if ctx.Err() == nil {
					errs <- err
				}
				return
			}
		}
		if p.lead != nil {
			start("leader election", func(ctx context.Context) error { return p.lead(ctx, act) })
		} else {
			wg.Go(func() { act(ctx) })
		}
		p.ready.Store(true)
	})

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	cancel()
	p.ready.Store(false)
	shutCtx, shutCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer shutCancel()
	_ = srv.Shutdown(shutCtx)
	wg.Wait()
	p.log.Info("stopped")
	return runErr
}

// readiness is /readyz: ready once serving, and only on the leader, so
// Services route AlertManager to the replica that acts.
func (p *process) readiness() error {
	switch {
	case !p.ready.Load():
		return errors.New("starting")
	case p.leading != nil && !p.leading():
		return errors.New("not the leader")
	}
	return nil
}

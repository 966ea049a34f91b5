package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
)

// feedStep is the resolution at which the adaptive keep-alive learns idle
// times: keep-alive windows are counted in minutes.
const feedStep = time.Minute

// wireKeepAlive builds the adaptive keep-alive behind zero-duration "auto":
// the policy the idler asks, a feeder that teaches it from the metrics source
// every minute (on every replica, so a follower that takes over is already
// taught), a rebuild from Prometheus history at start, and the pre-warm loop
// (leader only).
func (ctl *controller) wireKeepAlive(ic *idler.Config) error {
	c := ctl.cfg
	kc := keepalive.Default()
	kc.ColdStartWorth, kc.PreWarmShare = c.KeepAliveWorth, c.PreWarmShare
	policy, err := keepalive.New(kc)
	if err != nil {
		return fmt.Errorf("keep-alive: %w", err)
	}
	ic.KeepAlive = policy
	pw, err := keepalive.NewPreWarmer(keepalive.PreWarmerConfig{
		Policy: policy, Provider: ctl.provider, Clock: ctl.clk, Interval: c.PreWarmInterval,
		Fallback: c.Defaults.ZeroDuration, Registerer: ctl.reg, Logger: ctl.log.With("component", "prewarm"),
	})
	if err != nil {
		return fmt.Errorf("keep-alive: %w", err)
	}
	ctl.prewarm = pw
	feeder := &keepalive.Feeder{Policy: policy, Source: ctl.source, Clock: ctl.clk, Step: feedStep, Logger: ctl.log.With("component", "keepalive")}
	ctl.extra = append(ctl.extra, func(ctx context.Context) error {
		ctl.rebuildKeepAlive(ctx, policy)
		return feeder.Run(ctx)
	})
	return nil
}

// rebuildKeepAlive relearns idle times from Prometheus history, so a restart
// or a failover does not forget them; without Prometheus there is nothing to
// replay. A failure is logged: the feeder then learns from scratch.
func (ctl *controller) rebuildKeepAlive(ctx context.Context, policy *keepalive.Policy) {
	c := ctl.cfg
	if c.PrometheusURL == "" || c.RebuildLookback <= 0 {
		return
	}
	client, err := api.NewClient(api.Config{Address: c.PrometheusURL})
	if err != nil {
		ctl.log.Warn("keep-alive: no rebuild from history", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rep, err := policy.Rebuild(ctx, v1.NewAPI(client), ctl.clk.Now(), c.RebuildLookback, feedStep, c.DefaultNamespace)
	if err != nil {
		ctl.log.Warn("keep-alive: no rebuild from history; learning from now on", "err", err)
		return
	}
	ctl.log.Info("keep-alive: relearned idle times from Prometheus history", "functions", rep.Functions, "invocations", rep.Invocations, "lookback", c.RebuildLookback)
}

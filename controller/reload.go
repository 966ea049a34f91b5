package controller

import (
	"errors"
	"fmt"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
)

// Reload validates next and swaps it in: the label defaults, the load
// windows, the idler's schedule and knobs, the keep-alive's price and the
// actuator's timings (its call timeout the idler's too) change at once,
// keeping everything the controller has learned. Keys that only take
// effect at a restart (intervals, pool size, enabling components, the
// metrics source, the HTTP server) are returned by name when they changed;
// they keep their old values. A next that does not validate changes nothing
// and returns the error.
func (c *Controller) Reload(next config.Config) (restart []string, err error) {
	if err := next.Validate(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	prev := c.cfg
	c.mu.Unlock()
	defaults := next.Defaults.Scaler()
	var errs []error
	if err := c.Loop.SetTuning(defaults, next.Scaler.StableWindow, next.Scaler.BurstWindow); err != nil {
		errs = append(errs, fmt.Errorf("scaler: %w", err))
	}
	a := next.Actuator
	if err := c.Actuator.SetTuning(a.CallTimeout, a.BackoffInitial, a.BackoffMax, a.RefusedBackoff); err != nil {
		errs = append(errs, fmt.Errorf("actuator: %w", err))
	}
	if c.Idler != nil {
		if err := c.Idler.SetTuning(defaults, next.Idler.MaintainMin, next.Idler.RefusedBackoff, next.Idler.Schedule); err != nil {
			errs = append(errs, fmt.Errorf("idler: %w", err))
		} else if !idler.SameSchedule(next.Idler.Schedule, prev.Idler.Schedule) {
			// The idler waits for the new schedule's next time from now: a
			// cycle the old one had due is not overdue (liveness.go).
			mark(&c.live.idlerRescheduled, c.deps.Clock.Now())
		}
		// actuator.call_timeout bounds the idler's listings too, and its
		// activity queries to a source that does not bound its own calls
		// (buildIdler, metricsource.Bounded): a slow provider's raised
		// bound must reach them, not only the actuator's calls.
		if err := c.Idler.SetCallTimeout(a.CallTimeout); err != nil {
			errs = append(errs, fmt.Errorf("idler: %w", err))
		}
		if err := c.KeepAlive.SetPrice(next.KeepAlive.ColdStartWorth, next.KeepAlive.PreWarmShare); err != nil {
			errs = append(errs, fmt.Errorf("keep-alive: %w", err))
		}
		c.PreWarm.SetDefaults(defaults)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	kept := next
	restartOnly := func(key string, changed bool, keep func()) {
		if changed {
			restart = append(restart, key)
			keep()
		}
	}
	restartOnly("scaler.enabled", next.Scaler.Enabled != prev.Scaler.Enabled, func() { kept.Scaler.Enabled = prev.Scaler.Enabled })
	restartOnly("scaler.interval", next.Scaler.Interval != prev.Scaler.Interval, func() { kept.Scaler.Interval = prev.Scaler.Interval })
	restartOnly("scaler.history_size", next.Scaler.HistorySize != prev.Scaler.HistorySize, func() { kept.Scaler.HistorySize = prev.Scaler.HistorySize })
	restartOnly("scaler.align_lag", next.Scaler.AlignLag != prev.Scaler.AlignLag, func() { kept.Scaler.AlignLag = prev.Scaler.AlignLag })
	restartOnly("idler.enabled", next.Idler.Enabled != prev.Idler.Enabled, func() { kept.Idler.Enabled = prev.Idler.Enabled })
	restartOnly("keep_alive.prewarm_interval", next.KeepAlive.PreWarmInterval != prev.KeepAlive.PreWarmInterval, func() { kept.KeepAlive.PreWarmInterval = prev.KeepAlive.PreWarmInterval })
	restartOnly("keep_alive.rebuild_lookback", next.KeepAlive.RebuildLookback != prev.KeepAlive.RebuildLookback, func() { kept.KeepAlive.RebuildLookback = prev.KeepAlive.RebuildLookback })
	// Learn bounds its one rebuild, at start, with it.
	restartOnly("keep_alive.rebuild_timeout", next.KeepAlive.RebuildTimeout != prev.KeepAlive.RebuildTimeout, func() { kept.KeepAlive.RebuildTimeout = prev.KeepAlive.RebuildTimeout })
	restartOnly("keep_alive.learn_step", next.KeepAlive.LearnStep != prev.KeepAlive.LearnStep, func() { kept.KeepAlive.LearnStep = prev.KeepAlive.LearnStep })
	// The Prometheus source is built once at start with it, as with
	// prometheus.timeout (the prometheus section, below).
	restartOnly("keep_alive.read_timeout", next.KeepAlive.ReadTimeout != prev.KeepAlive.ReadTimeout, func() { kept.KeepAlive.ReadTimeout = prev.KeepAlive.ReadTimeout })
	restartOnly("actuator.workers", next.Actuator.Workers != prev.Actuator.Workers, func() { kept.Actuator.Workers = prev.Actuator.Workers })
	// Restart-only, as scaler.interval is (the scaler's check waits at
	// least two of its intervals).
	restartOnly("liveness.max_inactivity", next.Liveness != prev.Liveness, func() { kept.Liveness = prev.Liveness })
	restartOnly("prometheus", next.Prometheus != prev.Prometheus, func() { kept.Prometheus = prev.Prometheus })
	// The listener and the HTTP server are built once at start: swapping
	// them under AlertManager would drop its connections. Each changed key
	// is named, so the operator knows which value is not yet in force.
	restart = append(restart, serverChanges(prev.Server, next.Server)...)
	kept.Server = prev.Server
	c.mu.Lock()
	c.cfg = kept
	c.mu.Unlock()
	return restart, nil
}

// serverChanges names the server keys that differ between prev and next.
func serverChanges(prev, next config.Server) []string {
	var keys []string
	add := func(key string, changed bool) {
		if changed {
			keys = append(keys, "server."+key)
		}
	}
	add("read_header_timeout", prev.ReadHeaderTimeout != next.ReadHeaderTimeout)
	add("read_timeout", prev.ReadTimeout != next.ReadTimeout)
	add("write_timeout", prev.WriteTimeout != next.WriteTimeout)
	add("idle_timeout", prev.IdleTimeout != next.IdleTimeout)
	add("max_header_bytes", prev.MaxHeaderBytes != next.MaxHeaderBytes)
	add("max_connections", prev.MaxConnections != next.MaxConnections)
	add("max_in_flight", prev.MaxInFlight != next.MaxInFlight)
	add("retry_after", prev.RetryAfter != next.RetryAfter)
	return keys
}

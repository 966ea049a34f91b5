package idler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// Provider is what the idler reads from the system holding replicas.
// provider.Provider satisfies it. The idler never writes: it proposes to the
// actuator.
type Provider interface {
	Namespaces(ctx context.Context) ([]string, error)
	Functions(ctx context.Context, namespace string) ([]provider.Function, error)
}

// Actuator takes the idler's proposals; *actuator.Actuator satisfies it.
type Actuator interface {
	Submit(ctx context.Context, in actuator.Intent, done func(actuator.Outcome))
}

// Forgetter is an Actuator that keeps state per function and drops it on
// Forget (*actuator.Actuator does): the idler forgets a function once a
// complete listing no longer holds it.
type Forgetter interface {
	Forget(ref provider.Ref)
}

// ActivitySource is what the idler needs from the metrics source.
// metricsource.Source satisfies it.
type ActivitySource interface {
	Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error)
}

// KeepAlivePolicy chooses the keep-alive of a function whose zero-duration is
// "auto" (package keepalive implements an adaptive one). It returns the
// duration and a short description of where it came from, for the explain
// API. fallback is the configured default; serves is how many requests one
// replica of the function serves at once (ZeroSpec.Serves).
type KeepAlivePolicy interface {
	KeepAlive(ref provider.Ref, fallback time.Duration, serves float64, now time.Time) (time.Duration, string)
}

// ZeroObserver is what a KeepAlivePolicy may also implement to learn the
// count each "auto" function had when the idler scaled it to zero (after
// the actuator applied it): package keepalive's pre-warm starts that many
// again.
type ZeroObserver interface {
	Zeroed(ref provider.Ref, replicas uint64)
}

// ListingObserver is what a KeepAlivePolicy may also implement to learn
// which functions exist: after a complete listing that lost a function,
// and at least every five minutes, the idler says of each function the
// policy knows whether it was listed (package
// keepalive forgets a function unlisted for an hour, and counts only
// listed ones towards the pre-warm share). The idler's mutex is held: it
// must not call back into the idler.
type ListingObserver interface {
	Listed(now time.Time, listed func(provider.Ref) bool) (forgotten int)
}

// Defaults.
const (
	DefaultZeroDuration   = 15 * time.Minute
	DefaultRefusedBackoff = time.Hour
	DefaultCallTimeout    = 30 * time.Second
)

// Config configures an Idler. Zero values of optional fields take defaults
// (see Default); Validate reports what is wrong with exact messages.
type Config struct {
	Provider Provider       // required
	Source   ActivitySource // required
	Actuator Actuator       // required: the one writer of replicas
	Clock    clock.Clock    // default clock.Real()
	// Schedule is the idler's cron schedule (--idle-schedule): a five-field
	// expression or a descriptor such as "@every 30s"; CRON_TZ= prefix allowed,
	// UTC otherwise.
	Schedule string
	// Defaults are the label defaults of the one spec parse
	// (scaler.ParseSpec) the scaler uses too; zero value = the scaler's.
	Defaults scaler.Defaults
	// DefaultZeroDuration, when set, overrides Defaults.ZeroDuration (the
	// zero-duration of a function without the label).
	DefaultZeroDuration time.Duration
	// MaintainMin restores functions found at zero without the zero opt-in to
	// max(min, 1) (--maintain-min).
	MaintainMin bool
	// Namespaces limits the idler to these namespaces; empty = all the
	// provider lists.
	Namespaces []string
	// KeepAlive serves zero-duration "auto"; nil = the fallback duration.
	KeepAlive KeepAlivePolicy
	// HistoryPending, when set, says whether the keep-alive's history is
	// still being read (the controller's rebuild from Prometheus after a
	// start). While it says so an "auto" function is not idled
	// (missing_data): its keep-alive is not known yet, and the policy's
	// answer for a function it has learned nothing of (the fallback) idled
	// a function whose history says a call is due, a pre-warmed replica
	// among them. Asked once a cycle; it must be cheap and never block.
	HistoryPending func() bool
	// RecentScaleUp tells when the scaler last scaled a function up (zero when
	// never), so the idler never idles what the scaler just grew.
	RecentScaleUp func(ref provider.Ref) time.Time
	// RefusedBackoff is how long to leave alone a function whose provider
	// refused zero replicas before proposing it again (default 1h).
	RefusedBackoff time.Duration
	// CallTimeout bounds each provider call, and each source call unless
	// the source answers from memory (metricsource.Local) or bounds its
	// calls itself (metricsource.Bounded: Prometheus, NATS) (default 30s).
	CallTimeout time.Duration
	// OnCycle, when set, is called after each cycle Run makes (RunOnce)
	// returns, whatever it found: a cycle that never returns is an idler
	// that hangs. The controller's liveness (/healthz) reads it; it must be
	// cheap and never block.
	OnCycle func()
	// Registerer receives the idler's metrics; nil = not registered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// Default returns a Config with every default filled in (Provider and Source
// still to set). The DefaultZeroDuration override stays unset: set, it would
// override whatever Defaults a caller puts in this Config (the controller's
// defaults.zero_duration was ignored that way until the first reload); the
// default zero-duration is Defaults.ZeroDuration's.
func Default() Config {
	return Config{
		Clock:          clock.Real(),
		Schedule:       DefaultSchedule,
		Defaults:       scaler.DefaultDefaults(),
		RefusedBackoff: DefaultRefusedBackoff,
		CallTimeout:    DefaultCallTimeout,
	}
}

// withDefaults fills zero optional fields from Default.
func (c Config) withDefaults() Config {
	d := Default()
	if c.Clock == nil {
		c.Clock = d.Clock
	}
	if c.Schedule == "" {
		c.Schedule = d.Schedule
	}
	if c.Defaults == (scaler.Defaults{}) {
		c.Defaults = scaler.DefaultDefaults()
	}
	if c.DefaultZeroDuration != 0 {
		c.Defaults.ZeroDuration = c.DefaultZeroDuration
	}
	c.DefaultZeroDuration = c.Defaults.ZeroDuration
	if c.RefusedBackoff == 0 {
		c.RefusedBackoff = d.RefusedBackoff
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = d.CallTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every problem with the configuration (after defaults are
// applied to zero fields), joined.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Provider == nil {
		errs = append(errs, errors.New("idler: Provider is required"))
	}
	if c.Source == nil {
		errs = append(errs, errors.New("idler: Source is required"))
	}
	if c.Actuator == nil {
		errs = append(errs, errors.New("idler: Actuator is required"))
	}
	if _, err := ParseRunSchedule(c.Schedule); err != nil {
		errs = append(errs, fmt.Errorf("idler: %w", err))
	}
	if c.DefaultZeroDuration <= 0 {
		errs = append(errs, fmt.Errorf("idler: default zero duration %s must be positive", c.DefaultZeroDuration))
	}
	if err := c.Defaults.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("idler: %w", err))
	}
	if c.RefusedBackoff < 0 {
		errs = append(errs, fmt.Errorf("idler: refused back-off %s must not be negative", c.RefusedBackoff))
	}
	if c.CallTimeout < 0 {
		errs = append(errs, fmt.Errorf("idler: call timeout %s must not be negative", c.CallTimeout))
	}
	for _, ns := range c.Namespaces {
		if strings.TrimSpace(ns) == "" {
			errs = append(errs, errors.New("idler: empty namespace in Namespaces"))
			break
		}
	}
	return errors.Join(errs...)
}

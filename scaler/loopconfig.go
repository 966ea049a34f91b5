package scaler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Provider is what the loop reads from the system that holds replicas;
// provider.Provider satisfies it. The loop never writes: it proposes to the
// actuator.
type Provider interface {
	Namespaces(ctx context.Context) ([]string, error)
	Functions(ctx context.Context, namespace string) ([]provider.Function, error)
	Function(ctx context.Context, ref provider.Ref) (provider.Function, error)
}

// Actuator takes the loop's proposals; *actuator.Actuator satisfies it. done
// is called once with what became of the intent, possibly later, from
// another goroutine.
type Actuator interface {
	Submit(ctx context.Context, in actuator.Intent, done func(actuator.Outcome))
}

// MinFloorFunc returns a function's scheduled minimum at now (0 = none) and
// why; package idler provides it from its schedules.
type MinFloorFunc func(fn provider.Function, now time.Time) (uint64, string)

// LoopConfig configures the reconcile loop. Zero durations take the defaults.
type LoopConfig struct {
	Provider Provider            // required
	Source   metricsource.Source // required
	Actuator Actuator            // required: the one writer of replicas
	Clock    clock.Clock         // default clock.Real()
	// Interval between full passes (--scale-interval, default 5s).
	Interval time.Duration
	// StableWindow is the load averaging window for decisions and the length
	// of burst mode (--stable-window, default 60s).
	StableWindow time.Duration
	// BurstWindow is the short load window that detects bursts
	// (--burst-window, default 10s); shorter than StableWindow.
	BurstWindow time.Duration
	// Defaults for labels a function does not set; must be valid.
	Defaults Defaults
	// Namespaces to manage; empty = every namespace the provider lists.
	Namespaces []string
	// Leading reports whether this replica acts (leader election); nil =
	// always. A follower refuses signals (503) instead of queueing work it
	// will never do.
	Leading func() bool
	// MinFloor gives scheduled minimums; optional.
	MinFloor MinFloorFunc
	// MinFloorLabel is the label (or annotation) MinFloor reads, when it
	// reads one: a function with neither has no scheduled minimum, and
	// MinFloor is not asked about it. Whether a function has it is read
	// when its labels are parsed (speccache.go), not at every pass: asking
	// MinFloor about every function at every pass, nearly always to find
	// no schedule, was 2–3 % of the trace replay. Empty: MinFloor is asked
	// about every function.
	MinFloorLabel string
	// AlignLag times the passes after the gateway's scrapes when the source
	// tells them (metricsource.ScrapeClock): each pass runs this long after
	// a scrape (AlignTick). 0 keeps a ticker of the loop's own.
	AlignLag time.Duration
	// OnPass, when set, is called after each full pass Run makes (Tick)
	// returns, failed or not: a failed pass is a loop that still turns, a
	// pass that never returns is one that hangs. The controller's liveness
	// (/healthz) reads it; it must be cheap and never block.
	OnPass func()
	// HistorySize is how many decisions per function the explain API keeps:
	// 0 = unset, DefaultHistorySize; NoHistory = none (scaler.history_size:
	// 0). Zero takes the default like every other field here, so a caller
	// that leaves it out keeps a history.
	HistorySize int
	// Registerer receives the loop's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
	// Logger; nil discards.
	Logger *slog.Logger
}

// Defaults of LoopConfig.
const (
	DefaultInterval     = 5 * time.Second
	DefaultStableWindow = 60 * time.Second
	DefaultBurstWindow  = 10 * time.Second
	DefaultHistorySize  = 50
	// NoHistory as LoopConfig.HistorySize keeps no decisions.
	NoHistory = -1
)

func (c *LoopConfig) setDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.StableWindow == 0 {
		c.StableWindow = DefaultStableWindow
	}
	if c.BurstWindow == 0 {
		c.BurstWindow = DefaultBurstWindow
	}
	if c.HistorySize == 0 {
		c.HistorySize = DefaultHistorySize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every problem with c (after defaults are applied).
func (c LoopConfig) Validate() error {
	var errs []error
	if c.Provider == nil {
		errs = append(errs, errors.New("scaler: provider is required"))
	}
	if c.Source == nil {
		errs = append(errs, errors.New("scaler: metrics source is required"))
	}
	if c.Actuator == nil {
		errs = append(errs, errors.New("scaler: actuator is required"))
	}
	if c.Interval < 0 {
		errs = append(errs, fmt.Errorf("scale interval = %v, must be positive", c.Interval))
	}
	if c.StableWindow < 0 {
		errs = append(errs, fmt.Errorf("stable window = %v, must be positive", c.StableWindow))
	}
	if c.BurstWindow < 0 || c.BurstWindow > c.StableWindow {
		errs = append(errs, fmt.Errorf("burst window = %v, must be positive and at most the stable window %v", c.BurstWindow, c.StableWindow))
	}
	if c.HistorySize < 0 && c.HistorySize != NoHistory {
		errs = append(errs, fmt.Errorf("history size = %d, must not be negative (NoHistory keeps none)", c.HistorySize))
	}
	if iv := cmp.Or(c.Interval, DefaultInterval); c.AlignLag < 0 || c.AlignLag >= iv {
		errs = append(errs, fmt.Errorf("align lag = %v, must be at least 0 and below the scale interval %v", c.AlignLag, iv))
	}
	if err := c.Defaults.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

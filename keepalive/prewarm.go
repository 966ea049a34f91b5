package keepalive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// Provider is what the pre-warmer reads from the system that holds
// replicas; provider.Provider satisfies it. It never writes: it proposes to
// the actuator.
type Provider interface {
	Namespaces(ctx context.Context) ([]string, error)
	Functions(ctx context.Context, namespace string) ([]provider.Function, error)
}

// Actuator takes the pre-warmer's proposals; *actuator.Actuator satisfies it.
type Actuator interface {
	Apply(ctx context.Context, in actuator.Intent) actuator.Outcome
}

// PreWarmerConfig configures the pre-warm loop.
type PreWarmerConfig struct {
	Policy   *Policy  // required
	Provider Provider // required
	Actuator Actuator // required: the one writer of replicas
	// Defaults are the label defaults of the one spec parse
	// (scaler.ParseSpec); zero value = the scaler's with Fallback as the
	// zero-duration.
	Defaults scaler.Defaults
	// Namespaces to pre-warm in; empty = all the provider lists.
	Namespaces []string
	Clock      clock.Clock
	// Interval between passes (default 10s): a pre-warm starts at most this
	// late, so keep it well under the plans' lead (MinLead, 30 s).
	Interval time.Duration
	// Fallback is the zero-duration default handed to the policy (default
	// the idler's, 15m).
	Fallback time.Duration
	// HistoryPending, when set, says the policy's history is still being
	// read (the start's rebuild): the functions up in their window are not
	// adopted before it has ended, since the policy cannot tell yet which
	// are (the pass adopted nothing and spent its one chance: a review's
	// finding). Cheap, never blocking.
	HistoryPending func() bool
	// Registerer receives faas_autoscaler_keepalive_prewarms_total; nil
	// registers nowhere.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// PreWarmer scales opted-in functions (zero true, zero-duration auto) from
// zero back to the count they were idled from (Policy.Zeroed; one when not
// known; at least the function's min, at most its max) when their plan's
// pre-warm window opens, never more than the policy's PreWarmShare of the
// functions at once: those it pre-warmed and those it finds up in their
// window, not called since it opened (a process before it pre-warmed
// them). The idler then leaves them alone for the window
// (Policy.KeepAlive) and idles them after it.
type PreWarmer struct {
	cfg    PreWarmerConfig
	log    *slog.Logger
	scaled *prometheus.CounterVec
	// pass serialises passes; mu, which Explain takes, is not held while
	// a pass's pre-warms go through the actuator to the provider.
	pass sync.Mutex
	mu   sync.Mutex // guards warm, lastRun and specs: Explain reads them
	// warm is the functions holding a slot of the share, until their
	// window ends: pre-warmed by us, or found up in their window, not
	// called since it opened (adoptWarm: a previous leader's pre-warms).
	warm    map[provider.Ref]time.Time
	lastRun PreWarmReport
	// specs keeps what a pass needs of each listed function's labels, with
	// the maps it was parsed from: labels change on a redeploy, not between
	// passes, and parsing every function's labels every pass was most of a
	// pass. Marked stale when the defaults change (parsed again by the
	// next pass); a function not listed in a pass is forgotten.
	specs  map[provider.Ref]*prewarmSpec
	passes uint64
	// byPlace is the last pass's entries by their place in its listing
	// (nil: not opted in). A listing comes in the provider's order, almost
	// always the last one's, so the entry at the same place is the
	// function's when its ref matches: two string comparisons instead of a
	// hash of the label's name and one of the ref, which were half of a
	// pass. It holds only entries that pass listed, so never a forgotten
	// one; a stale entry is parsed again as in specs.
	byPlace []*prewarmSpec
	// atZero is the last pass's list of functions at zero, kept for the
	// next pass to fill again: built fresh every 10 s it was an eighth of
	// the trace replay's bytes allocated. Kept only up to keptAtZero
	// entries, so a large fleet's list is not held between passes.
	atZero []provider.Ref
	// atZeroAt and atZeroSpec are atZero's places in the pass's listing
	// and their entries (Policy.dueAt), kept as atZero is.
	atZeroAt   []int
	atZeroSpec []*prewarmSpec
	// up is the last pass's list of opted-in functions listed up, kept
	// as atZero is (adoptWarm).
	up []provider.Ref
	// adopt: the next pass adopts the functions found up in their window
	// (adoptWarm): the first of a process and of each term (Run), whose
	// warm set does not hold what a process or term before pre-warmed.
	// Only then: at every pass a function up for another reason (its
	// scheduled minimum, a keep-alive) took a slot from one at zero and
	// due (a review's finding).
	adopt bool
}

// keptAtZero bounds the at-zero list a pre-warmer keeps between passes
// (as the scaler's and idler's kept buffers are bounded).
const keptAtZero = 4096

// PreWarmReport is one pass.
type PreWarmReport struct {
	At       time.Time
	AtZero   int       // opted-in functions found at zero
	Warm     int       // holding a slot of the share: pre-warmed by us, or found up, in their window (adoptWarm)
	Scaled   []PreWarm // pre-warmed in this pass
	Failures map[provider.Ref]error
}

// NewPreWarmer validates cfg and registers the loop's metric.
func NewPreWarmer(cfg PreWarmerConfig) (*PreWarmer, error) {
	var errs []error
	if cfg.Policy == nil {
		errs = append(errs, errors.New("keepalive: pre-warmer needs a Policy"))
	}
	if cfg.Provider == nil {
		errs = append(errs, errors.New("keepalive: pre-warmer needs a Provider"))
	}
	if cfg.Actuator == nil {
		errs = append(errs, errors.New("keepalive: pre-warmer needs an Actuator"))
	}
	if cfg.Interval < 0 || cfg.Fallback < 0 {
		errs = append(errs, fmt.Errorf("keepalive: pre-warm interval %s and fallback %s must not be negative", cfg.Interval, cfg.Fallback))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Interval == 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.Fallback == 0 {
		cfg.Fallback = idler.DefaultZeroDuration
	}
	if cfg.Defaults == (scaler.Defaults{}) {
		cfg.Defaults = scaler.DefaultDefaults()
		cfg.Defaults.ZeroDuration = cfg.Fallback
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	scaled := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "faas_autoscaler_keepalive_prewarms_total",
		Help: "Functions the adaptive keep-alive's pre-warm proposed from zero (back to the count they were idled from), by result (ok, partial: fewer replicas than asked but at least one, error, stopped: the leadership term ended before or during its call, or the actuator's verdict: dry_run, not_leader, already_higher, …).",
	}, []string{"result"})
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(scaled); err != nil {
			return nil, fmt.Errorf("keepalive: register metrics: %w", err)
		}
	}
	return &PreWarmer{cfg: cfg, log: log, scaled: scaled, warm: map[provider.Ref]time.Time{},
		specs: map[provider.Ref]*prewarmSpec{}, adopt: true}, nil
}

// Run calls RunOnce every Interval until ctx ends.
func (w *PreWarmer) Run(ctx context.Context) error {
	w.mu.Lock()
	w.adopt = true // a new term: what the last leader pre-warmed is not in warm
	w.mu.Unlock()
	t := w.cfg.Clock.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C():
			if ctx.Err() != nil {
				// Cancelled while a tick waited (a pass outlasting the
				// interval): select picks among ready cases at random,
				// and a pass now, after the term, would hand its
				// pre-warms to an actuator whose pool has stopped, which
				// applies them inline (only a provider that heeds the
				// cancelled context refuses them).
				return nil
			}
			w.RunOnce(ctx, now)
		}
	}
}

// LastRun returns the last pass's report, for the explain API and logs.
func (w *PreWarmer) LastRun() PreWarmReport {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastRun
}

// SetDefaults swaps the label defaults of the spec parse (a configuration
// reload), and their zero-duration is the fallback plans are made with from
// then on: the idler takes it from the same reload, and two fallbacks made
// each plan stale at every call of the other.
func (w *PreWarmer) SetDefaults(d scaler.Defaults) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cfg.Defaults = d
	if d.ZeroDuration > 0 {
		w.cfg.Fallback = d.ZeroDuration
	}
	// Parsed under the old defaults: the next pass parses them again. Kept
	// until then, not emptied: the explain section shows only what the
	// last pass found asking for the adaptive keep-alive, and emptied it
	// showed nothing until the next pass (up to prewarm_interval).
	for _, c := range w.specs {
		c.stale = true
	}
}

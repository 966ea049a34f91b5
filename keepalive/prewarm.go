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

// prewarmSpec is one function's labels as a pass reads them.
type prewarmSpec struct {
	ref                 provider.Ref
	labels, annotations map[string]string
	want                bool   // the labels parse, zero true, zero-duration auto
	stale               bool   // parsed under defaults a reload replaced: parse again
	zero                bool   // listed at zero by the pass (pass)
	max                 uint64 // the function's max replicas
	// min is the function's min replicas: a pre-warm starts at least
	// that many, as every other wake of it does (the gateway's scale
	// from zero, the idler's restore, the scaler's floor).
	min  uint64
	pass uint64 // the last pass that listed it
	// warmedAt is when we last pre-warmed it (Unix ns; 0: not since it
	// was listed): windows closing together go to the least recently
	// pre-warmed first (preWarmOrder). Kept across a relabel.
	warmedAt int64
	// created is the listed creation time (zero: unknown), sent with a
	// pre-warm's intent so that the actuator renews the slot of a function
	// deleted and deployed again under its name (actuator.Intent.Created).
	created time.Time
}

// specOf returns fn's entry (nil for a function without the label): whether
// it is to be pre-warmed and its max, its labels parsed only when they
// changed since the last pass. The entry's zero is cleared at the pass's
// first sight of it. w.mu is held.
//
// Only a function that asks for the adaptive keep-alive can be pre-warmed,
// and it asks with its zero-duration label (or annotation), which has no
// controller default: a function without one is answered by a lookup, with
// nothing parsed and nothing kept (at 100,000 functions the kept parses of
// functions that never asked were 14 MB). The pass forgets an entry a
// function no longer needs.
//
// i is fn's place in the listing; the entry found or made is set there in
// byPlace (nil for a function without the label).
func (w *PreWarmer) specOf(i int, fn *provider.Function) *prewarmSpec {
	var c *prewarmSpec
	if i < len(w.byPlace) {
		c = w.byPlace[i]
		w.byPlace[i] = nil
		if c != nil && !c.stale && c.ref == fn.Ref && scaler.SameLabels(c.labels, fn.Labels) && scaler.SameLabels(c.annotations, fn.Annotations) {
			// The labels it was parsed from, so it has the label.
			c.seen(w.passes)
			w.byPlace[i] = c
			return c
		}
	} else {
		w.byPlace = append(w.byPlace, nil)
	}
	if _, ok := fn.Labels[scaler.LabelZeroDuration]; !ok {
		if _, ok := fn.Annotations[scaler.LabelZeroDuration]; !ok {
			return nil
		}
	}
	c = w.specs[fn.Ref]
	if c == nil {
		c = &prewarmSpec{}
		w.specs[fn.Ref] = c
	} else if !c.stale && scaler.SameLabels(c.labels, fn.Labels) && scaler.SameLabels(c.annotations, fn.Annotations) {
		c.seen(w.passes)
		w.byPlace[i] = c
		return c
	}
	// The one label parse: a function whose labels the scaler refuses is
	// not pre-warmed either.
	spec, err := scaler.ParseSpec(*fn, w.cfg.Defaults)
	zero := c.zero && c.pass == w.passes // the function listed twice, with other labels
	*c = prewarmSpec{ref: fn.Ref, labels: fn.Labels, annotations: fn.Annotations,
		want: err == nil && spec.Zero && spec.ZeroDurationAuto, zero: zero, max: spec.Max, min: spec.Min,
		pass: w.passes, warmedAt: c.warmedAt}
	// The plan prices the replicas a pre-warm starts, which these bound
	// (due): the policy is told at each parse, not at each pass.
	if c.want {
		w.cfg.Policy.setBounds(fn.Ref, c.min, c.max)
	} else {
		w.cfg.Policy.dropBounds(fn.Ref)
	}
	w.byPlace[i] = c
	return c
}

// seen marks c listed by pass.
func (c *prewarmSpec) seen(pass uint64) {
	if c.pass != pass {
		c.pass, c.zero = pass, false
	}
}

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
		Help: "Functions the adaptive keep-alive's pre-warm proposed from zero (back to the count they were idled from), by result (ok, partial: fewer replicas than asked but at least one, error, or the actuator's verdict: dry_run, not_leader, already_higher, …).",
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

// RunOnce is one pass at now: list the functions, find the opted-in ones at
// zero, ask the policy which are due and scale those back up.
func (w *PreWarmer) RunOnce(ctx context.Context, now time.Time) PreWarmReport {
	rep := PreWarmReport{At: now, Failures: map[provider.Ref]error{}}
	fns, err := provider.List(ctx, w.cfg.Provider, w.cfg.Namespaces)
	if err != nil {
		w.log.Warn("cannot list functions; no pre-warm this pass", "err", err)
		return rep
	}
	// One pass at a time (Run's ticks, a test's calls): a pass proposes
	// what the last one's recorded warm set leaves room for.
	w.pass.Lock()
	defer w.pass.Unlock()
	intents, room := w.due(now, fns, &rep)
	// The actuator calls the provider (up to its call timeout) without
	// w.mu: the explain section, which takes it, answers meanwhile.
	//
	// The share's room is filled with pre-warms that happen: one the
	// actuator does not apply (the provider refused it, the function is in
	// back-off, gone, or the call failed) leaves its slot to the next due
	// function, or a function refused for an hour held the slot for
	// everyone. One the provider took in part (landedPartly) is up and
	// holds its slot. intents holds at most room+preWarmSpare, which bounds the
	// pass's provider calls.
	filled := 0
walk:
	for _, in := range intents {
		if filled >= room || ctx.Err() != nil {
			break
		}
		o := w.cfg.Actuator.Apply(ctx, in.intent)
		landed, partly := landedPartly(o)
		if o.Code != actuator.CodeApplied && !partly {
			if o.Err != nil {
				rep.Failures[in.pw.Ref] = o.Err
				w.scaled.WithLabelValues("error").Inc()
				w.log.Warn("pre-warm failed", "function", in.pw.Ref.String(), "err", o.Err)
			} else {
				w.scaled.WithLabelValues(string(o.Code)).Inc()
			}
			switch o.Code {
			case actuator.CodeDryRun:
				filled++ // what a live run would have applied
			case actuator.CodeNotLeader, actuator.CodeStopped:
				break walk // nothing more of this pass will be applied
			}
			continue
		}
		filled++
		w.mu.Lock()
		w.warm[in.pw.Ref] = in.pw.Until
		if c := w.specs[in.pw.Ref]; c != nil {
			c.warmedAt = now.UnixNano()
		}
		w.mu.Unlock()
		rep.Scaled = append(rep.Scaled, in.pw)
		if partly {
			w.scaled.WithLabelValues("partial").Inc()
			w.log.Warn("pre-warmed fewer replicas than asked", "function", in.pw.Ref.String(), "asked", in.intent.To,
				"landed", landed, "err", o.Err)
			continue
		}
		w.scaled.WithLabelValues("ok").Inc()
		w.log.Info("pre-warmed", "function", in.pw.Ref.String(), "since_last", in.pw.Since.Round(time.Second).String(), "reason", in.pw.Reason)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	rep.Warm = len(w.warm)
	w.lastRun = rep
	return rep
}

// landedPartly reports whether o is a pre-warm the provider took in part:
// it refused the count asked for and set landed (≥ 1) instead, as faasd
// runs one replica and OpenFaaS CE at most five (provider.RefusedError's
// Landed). The function is up for its window, so it is a pre-warm that
// happened: counted a failure, it held no slot of the share, and the pass
// pre-warmed the next due function on top of it. A refusal the actuator
// only dropped (no error: a count refused before) wrote nothing.
func landedPartly(o actuator.Outcome) (landed uint64, ok bool) {
	var re *provider.RefusedError
	if o.Code != actuator.CodeRefused || !errors.As(o.Err, &re) || !re.HasLanded || re.Landed == 0 {
		return 0, false
	}
	return re.Landed, true
}

// dueIntent is a pre-warm a pass proposes, with the intent that proposes it.
type dueIntent struct {
	pw     PreWarm
	intent actuator.Intent
}

// due is the part of a pass at now that reads and writes what w.mu guards:
// it takes in the listing fns, forgets what the listing no longer holds,
// fills rep's counts and returns the intents of the pre-warms due in
// order, each of at least its function's min and at most its max, and
// how many of them the share has room for (the rest are for when some are
// not applied: RunOnce).
func (w *PreWarmer) due(now time.Time, fns []provider.Function, rep *PreWarmReport) ([]dueIntent, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	atZero, atZeroAt, atZeroSpec, up := w.atZero[:0], w.atZeroAt[:0], w.atZeroSpec[:0], w.up[:0]
	defer func() {
		// Kept pointing at nothing: not a deleted function's name.
		clear(atZero)
		clear(atZeroSpec)
		clear(up)
		w.atZero, w.atZeroAt, w.atZeroSpec, w.up = atZero[:0], atZeroAt[:0], atZeroSpec[:0], up[:0]
		if cap(atZero) > keptAtZero {
			w.atZero, w.atZeroAt, w.atZeroSpec = nil, nil, nil
		}
		if cap(up) > keptAtZero {
			w.up = nil
		}
	}()
	w.passes++
	listed := 0 // entries this pass listed
	for i := range fns {
		fn := &fns[i]
		// The function's max is kept in w.specs for this pass: the few
		// functions due read it there, rather than every opted-in one
		// filling a map each pass.
		c := w.specOf(i, fn)
		if w.byPlace[i] != nil {
			listed++
		}
		if c == nil || !c.want {
			continue
		}
		c.created = fn.CreatedAt
		if fn.Replicas == 0 {
			c.zero = true
			atZero, atZeroAt, atZeroSpec = append(atZero, fn.Ref), append(atZeroAt, i), append(atZeroSpec, c)
		} else {
			up = append(up, fn.Ref)
		}
	}
	clear(w.byPlace[len(fns):])
	w.byPlace = w.byPlace[:len(fns)]
	if listed != len(w.specs) {
		for ref, c := range w.specs {
			if c.pass != w.passes {
				delete(w.specs, ref) // not listed: deleted, or out of the namespaces
				w.cfg.Policy.dropBounds(ref)
			}
		}
	}
	if len(w.warm) > 0 {
		// A warm function is no longer warm once idled (listed at zero) or
		// past its window. Looked up from warm, which is tiny (at most the
		// share of the fleet): the listing's loop looked every opted-in
		// function up in it at every pass while any was warm, 2 % of the
		// trace replay. One deleted, moved out of the namespaces or
		// relabelled out of zero-duration auto while warm would otherwise
		// hold its pre-warm slot for good (Due takes len(warm) off the
		// share) and be reported warm.
		for ref, until := range w.warm {
			if c := w.specs[ref]; c == nil || c.pass != w.passes || !c.want || c.zero || !now.Before(until) {
				delete(w.warm, ref)
			}
		}
	}
	due, room := w.cfg.Policy.dueAt(now, atZero, atZeroAt, atZeroSpec, len(fns), len(w.warm), w.cfg.Fallback)
	if w.adopt && (w.cfg.HistoryPending == nil || !w.cfg.HistoryPending()) {
		w.adopt = false
		if len(up) > 0 {
			room = max(0, room-w.adoptWarm(now, up))
			due = due[:min(len(due), room+preWarmSpare)]
		}
	}
	rep.AtZero, rep.Warm = len(atZero), len(w.warm)
	if room == 0 {
		return nil, 0
	}
	var out []dueIntent
	for _, pw := range due {
		var fnMin, fnMax uint64
		var created time.Time
		if c := w.specs[pw.Ref]; c != nil && c.pass == w.passes {
			fnMin, fnMax, created = c.min, c.max, c.created
		}
		// At least the min: a pre-warm below it (one replica when the
		// idled count is not known) had the scaler raise the function to
		// its floor a pass later, after the call it was pre-warmed for.
		to := max(pw.Replicas, fnMin, 1)
		if fnMax > 0 && to > fnMax {
			to = fnMax // the label may have been lowered since the function was idled
		}
		out = append(out, dueIntent{pw: pw, intent: actuator.Intent{Ref: pw.Ref, From: 0, To: to, Who: actuator.PreWarm,
			Code: "prewarm", Reason: pw.Reason, Observed: now, Max: fnMax, Created: created}})
	}
	return out, room
}

// adoptWarm counts into warm, and returns how many it added, the
// opted-in functions listed up (up) that are in their pre-warm window and
// not called since it opened: pre-warmed by a process before this one (a
// restart, a new leader), whose warm set is lost with it, or held up
// through the window by the idler's keep-alive. They are warm for a
// pre-warm window, and the share left them out: a restart in a window
// pre-warmed the share again on top of them. Asked at the first pass of a
// process or term only (w.adopt), of the functions up and not already
// counted. w.mu is held.
func (w *PreWarmer) adoptWarm(now time.Time, up []provider.Ref) int {
	ask := up[:0] // in place: up is the pass's scratch
	for _, ref := range up {
		if _, ok := w.warm[ref]; !ok {
			ask = append(ask, ref)
		}
	}
	n := 0
	w.cfg.Policy.inPreWarm(now, ask, w.cfg.Fallback, func(ref provider.Ref, until time.Time) {
		w.warm[ref] = until
		n++
	})
	return n
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

package scaler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fnState is what the loop remembers about one function. Guarded by Loop.mu.
type fnState struct {
	fn      provider.Function
	spec    Spec
	specErr error
	state   State
	obs     Observation
	last    *Decision
	history []Record // oldest first, at most HistorySize
	refused uint64   // count the provider last refused; 0 = none
	series  fnSeries // metric handles; touched only under passMu
}

// Record is one decision as kept for the explain API.
type Record struct {
	At       time.Time `json:"at"`
	Decision Decision  `json:"decision"`
	// Trigger is "tick" or the alert status that caused the evaluation.
	Trigger string `json:"trigger"`
	// Applied is true when Scale succeeded; Result says what happened to
	// the scale call (ok, dry_run, refused, error, skipped_refused, none).
	Applied bool   `json:"applied"`
	Result  string `json:"result"`
	Error   string `json:"error,omitempty"`
}

// Tick is one full pass: list the functions, ask the source for each load
// type and window in use (once each, never per function), decide for every
// function and apply. Functions that disappeared are forgotten.
func (l *Loop) Tick(ctx context.Context, now time.Time) error {
	l.passMu.Lock()
	defer l.passMu.Unlock()
	start := l.cfg.Clock.Now()
	defer func() { l.metrics.duration.Observe(l.cfg.Clock.Now().Sub(start).Seconds()) }()

	fns, err := l.list(ctx)
	if err != nil {
		l.setProviderErr(err)
		l.metrics.errors.WithLabelValues("list").Inc()
		return fmt.Errorf("list functions: %w", err)
	}
	l.setProviderErr(nil)
	seen := make(map[provider.Ref]struct{}, len(fns))
	for _, fn := range fns {
		seen[fn.Ref] = struct{}{}
	}
	l.mu.Lock()
	var gone []provider.Ref
	for ref := range l.fns {
		if _, ok := seen[ref]; !ok {
			gone = append(gone, ref)
		}
	}
	l.listed = true
	l.mu.Unlock()
	for _, ref := range gone {
		l.forget(ref)
	}
	l.evaluateLocked(ctx, fns, nil, now)
	return nil
}

func (l *Loop) list(ctx context.Context) ([]provider.Function, error) {
	return provider.List(ctx, l.cfg.Provider, l.cfg.Namespaces)
}

// evaluateLocked decides and applies for fns, sigs giving each one's
// trigger. The caller holds passMu.
func (l *Loop) evaluateLocked(ctx context.Context, fns []provider.Function, sigs map[provider.Ref]*Signal, now time.Time) map[provider.Ref]Decision {
	specs := make([]Spec, len(fns))
	specErrs := make([]error, len(fns))
	var queries []metricsource.LoadQuery
	need := make(map[metricsource.LoadQuery]bool)
	for i, fn := range fns {
		specs[i], specErrs[i] = ParseSpec(fn, l.cfg.Defaults)
		if specErrs[i] != nil || specs[i].Step() || specs[i].Static() {
			continue
		}
		for _, w := range []time.Duration{l.cfg.StableWindow, l.cfg.BurstWindow} {
			q := metricsource.LoadQuery{Type: specs[i].Type, Window: w}
			if !need[q] {
				need[q] = true
				queries = append(queries, q)
			}
		}
	}
	loads := make(map[metricsource.LoadQuery]metricsource.Values, len(queries))
	for _, q := range queries {
		vals, err := l.cfg.Source.Load(ctx, q)
		if err != nil {
			// Missing, not zero: functions of this type get no_data.
			l.metrics.errors.WithLabelValues("load").Inc()
			l.log.Warn("load query failed; those functions keep their replicas", "type", q.Type, "window", q.Window, "err", err)
			continue
		}
		loads[q] = vals
	}

	queued := l.backlogAtZero(ctx, fns, specs, specErrs, loads)

	out := make(map[provider.Ref]Decision, len(fns))
	for i, fn := range fns {
		if ctx.Err() != nil {
			break
		}
		var sig *Signal
		if sigs != nil {
			sig = sigs[fn.Ref]
		}
		obs := Observation{
			Replicas:     fn.Replicas,
			Available:    fn.AvailableReplicas,
			StableWindow: l.cfg.StableWindow,
			BurstWindow:  l.cfg.BurstWindow,
			Signal:       sig,
		}
		if specErrs[i] == nil {
			obs.StableLoad = lookup(loads, specs[i].Type, l.cfg.StableWindow, fn.Ref)
			obs.BurstLoad = lookup(loads, specs[i].Type, l.cfg.BurstWindow, fn.Ref)
			if v, ok := queued[fn.Ref]; ok && fn.Replicas == 0 && specs[i].Type != metricsource.TypeQueue {
				obs.Queued = &v
			}
		}
		if l.cfg.MinFloor != nil {
			obs.ScheduledMin, obs.ScheduledMinReason = l.cfg.MinFloor(fn, now)
		}
		out[fn.Ref] = l.decideAndApply(ctx, fn, specs[i], specErrs[i], obs, now)
	}
	return out
}

func lookup(loads map[metricsource.LoadQuery]metricsource.Values, typ string, w time.Duration, ref provider.Ref) *float64 {
	vals, ok := loads[metricsource.LoadQuery{Type: typ, Window: w}]
	if !ok {
		return nil
	}
	v, ok := vals[ref]
	if !ok {
		return nil
	}
	return &v
}

// decideAndApply decides for one function, applies the decision and records it.
func (l *Loop) decideAndApply(ctx context.Context, fn provider.Function, spec Spec, specErr error, obs Observation, now time.Time) Decision {
	l.mu.Lock()
	fs := l.fns[fn.Ref]
	if fs == nil {
		fs = &fnState{}
		l.fns[fn.Ref] = fs
	}
	prevSpecErr := fs.specErr
	fs.fn, fs.spec, fs.specErr, fs.obs = fn, spec, specErr, obs
	st := fs.state
	l.mu.Unlock()

	trigger := "tick"
	if obs.Signal != nil {
		trigger = string(obs.Signal.Status)
	}
	var d Decision
	if specErr != nil {
		d = Decision{Replicas: fn.Replicas, Current: fn.Replicas, Code: CodeInvalidSpec, Reason: specErr.Error(), Next: st}
		if prevSpecErr == nil || prevSpecErr.Error() != specErr.Error() {
			l.log.Error("function labels are invalid; not scaling it", "function", fn.Ref.String(), "err", specErr)
		}
	} else {
		d = Decide(spec, obs, st, now)
	}
	l.metrics.observe(fn.Ref, spec, specErr, obs, d, &fs.series)

	rec := Record{At: now, Decision: d, Trigger: trigger, Result: "none"}
	if d.Scale {
		rec = l.apply(ctx, fn.Ref, fs, d, rec)
		if !rec.Applied && rec.Result != "dry_run" {
			// The count did not change: keep the window, not the scale time.
			d.Next.LastScale, d.Next.LastScaleDir = st.LastScale, st.LastScaleDir
		}
		if rec.Result == "error" {
			// A step that failed to apply has not been taken: AlertManager's
			// retry of the same alert must be able to take it.
			d.Next.StepKey, d.Next.StepAt = st.StepKey, st.StepAt
		}
	}
	l.mu.Lock()
	fs.state = d.Next
	fs.last = &rec.Decision
	fs.history = appendBounded(fs.history, rec, l.cfg.HistorySize)
	l.mu.Unlock()
	return d
}

// apply makes one Scale call (or not, in dry run or after a refusal of the
// same count) and says how it went.
func (l *Loop) apply(ctx context.Context, ref provider.Ref, fs *fnState, d Decision, rec Record) Record {
	name := ref.String()
	log := l.log.With("function", name, "from", d.Current, "to", d.Replicas, "code", string(d.Code), "reason", d.Reason)
	if l.cfg.DryRun {
		log.Info("dry run: would scale")
		rec.Result = "dry_run"
		l.metrics.scaleCalls.WithLabelValues(name, rec.Result).Inc()
		return rec
	}
	l.mu.Lock()
	refused := fs.refused
	l.mu.Unlock()
	if refused != 0 && refused == d.Replicas+1 {
		rec.Result = "skipped_refused"
		return rec
	}
	err := l.cfg.Provider.Scale(ctx, ref, d.Replicas)
	var re *provider.RefusedError
	switch {
	case err == nil:
		rec.Applied, rec.Result = true, "ok"
		l.setProviderErr(nil)
		log.Info("scaled")
		l.mu.Lock()
		fs.refused = 0
		l.mu.Unlock()
	case errors.As(err, &re):
		rec.Result, rec.Error = "refused", err.Error()
		log.Warn("provider refused the replica count; not retrying it", "err", err)
		l.mu.Lock()
		fs.refused = d.Replicas + 1 // +1 so that a refused 0 is remembered
		l.mu.Unlock()
	default:
		rec.Result, rec.Error = "error", err.Error()
		if ctx.Err() == nil {
			l.setProviderErr(err)
		}
		l.metrics.errors.WithLabelValues("scale").Inc()
		log.Error("scale failed", "err", err)
	}
	l.metrics.scaleCalls.WithLabelValues(name, rec.Result).Inc()
	return rec
}

func appendBounded(h []Record, r Record, n int) []Record {
	if n <= 0 {
		return nil
	}
	if len(h) >= n {
		copy(h, h[len(h)-n+1:])
		h = h[:n-1]
	}
	return append(h, r)
}

// forget drops a function that disappeared, with its metric series.
func (l *Loop) forget(ref provider.Ref) {
	l.mu.Lock()
	_, ok := l.fns[ref]
	delete(l.fns, ref)
	delete(l.pending, ref)
	l.mu.Unlock()
	if ok {
		l.metrics.forget(ref)
		l.log.Info("function gone; forgotten", "function", ref.String())
	}
}

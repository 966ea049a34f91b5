package scaler

import (
	"context"
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
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
	seq     uint64   // numbers the records, so an outcome finds its own
	series  fnSeries // metric handles; touched only under passMu
}

// Record is one decision as kept for the explain API.
type Record struct {
	At       time.Time `json:"at"`
	Decision Decision  `json:"decision"`
	// Trigger is "tick" or the alert status that caused the evaluation.
	Trigger string `json:"trigger"`
	// Applied is true when the actuator wrote the count; Result says what
	// became of the proposal: none (no change wanted), submitted (not
	// decided yet), ok, or the actuator's verdict code (dry_run, refused,
	// error, raised_since, backoff, …), and Arbitration its words.
	Applied     bool   `json:"applied"`
	Result      string `json:"result"`
	Arbitration string `json:"arbitration,omitempty"`
	Error       string `json:"error,omitempty"`
	Seq         uint64 `json:"-"`
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

// decideAndApply decides for one function, proposes the decision to the
// actuator and records it. The record's result is filled in when the
// actuator reports the outcome.
func (l *Loop) decideAndApply(ctx context.Context, fn provider.Function, spec Spec, specErr error, obs Observation, now time.Time) Decision {
	l.mu.Lock()
	fs := l.fns[fn.Ref]
	if fs == nil {
		fs = &fnState{}
		l.fns[fn.Ref] = fs
		if fn.Replicas > 0 {
			// First sight (a start, a restart, a failover, a new function):
			// the count found is what someone wanted within the last down
			// window, for all this loop knows. Remembering it as a
			// recommendation means no scale-down before one down window has
			// passed — a restart used to forget a burst's peak and halve the
			// function every pass from the first (issue 15, item 5).
			fs.state.Recommendations = []Recommendation{{At: now, Replicas: fn.Replicas}}
		}
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
	l.mu.Lock()
	fs.seq++
	rec.Seq = fs.seq
	if d.Scale {
		rec.Result = "submitted"
	}
	fs.state = d.Next
	if d.Scale && d.Replicas > d.Current && specErr == nil && !spec.Step() {
		l.followUpLocked(fn.Ref, now.Add(l.cfg.BurstWindow))
	}
	if n := len(fs.history); n > 0 && !d.Scale && sameOutcome(fs.history[n-1], rec) {
		// Nothing changed since the last record: refresh it rather than
		// append, so the history keeps what explains a count, not one entry
		// per tick (copying 50 records per function per pass was most of a
		// pass's cost at 10,000 functions).
		fs.history[n-1] = rec
		fs.last = &fs.history[n-1].Decision
	} else {
		fs.last = &rec.Decision
		fs.history = appendBounded(fs.history, rec, l.cfg.HistorySize)
	}
	l.mu.Unlock()
	if d.Scale {
		in := actuator.Intent{Ref: fn.Ref, From: obs.Replicas, To: d.Replicas, Who: actuator.Scaler,
			Code: string(d.Code), Reason: d.Reason, Observed: now, Max: spec.Max, ScheduledMin: obs.ScheduledMin}
		if d.Evidence > 0 {
			in.EvidenceFrom = now.Add(-d.Evidence)
		}
		l.cfg.Actuator.Submit(ctx, in, func(o actuator.Outcome) { l.outcome(fn.Ref, rec.Seq, st, d, o) })
	}
	return d
}

// outcome records what the actuator did with a decision. A decision that was
// not applied leaves the scale time and the step as they were, so the next
// evaluation (or AlertManager's retry of the same alert) can take them again.
func (l *Loop) outcome(ref provider.Ref, seq uint64, prev State, d Decision, o actuator.Outcome) {
	result := string(o.Code)
	if o.Code == actuator.CodeApplied {
		result = "ok"
	}
	name := ref.String()
	switch o.Code {
	case actuator.CodeApplied, actuator.CodeDryRun, actuator.CodeRefused, actuator.CodeError, actuator.CodeGone:
		l.metrics.scaleCalls.WithLabelValues(name, result).Inc()
	}
	if o.Code == actuator.CodeError || o.Code == actuator.CodeGone {
		l.metrics.errors.WithLabelValues("scale").Inc()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.fns[ref]
	if fs == nil {
		return // forgotten meanwhile
	}
	for i := range fs.history {
		if fs.history[i].Seq == seq {
			r := &fs.history[i]
			r.Applied, r.Result, r.Arbitration = o.Code == actuator.CodeApplied, result, o.Reason
			if o.Err != nil {
				r.Error = o.Err.Error()
			}
		}
	}
	kept := o.Code == actuator.CodeApplied || o.Code == actuator.CodeDryRun || o.Code == actuator.CodeUnchanged
	if o.Applied {
		fs.fn.Replicas = o.To
	}
	if kept {
		return
	}
	// Only undo what this decision set, not what a later one did.
	if fs.state.LastScale.Equal(d.Next.LastScale) && fs.state.LastScaleDir == d.Next.LastScaleDir {
		fs.state.LastScale, fs.state.LastScaleDir = prev.LastScale, prev.LastScaleDir
	}
	if fs.state.StepKey == d.Next.StepKey && fs.state.StepAt.Equal(d.Next.StepAt) {
		fs.state.StepKey, fs.state.StepAt = prev.StepKey, prev.StepAt
	}
}

// sameOutcome reports whether two records say the same thing: a pass that
// kept the count for the same reason code and trigger.
func sameOutcome(a, b Record) bool {
	return !a.Decision.Scale && a.Trigger == b.Trigger && a.Decision.Code == b.Decision.Code &&
		a.Decision.Replicas == b.Decision.Replicas && a.Decision.Current == b.Decision.Current
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
	delete(l.follow, ref)
	l.mu.Unlock()
	if ok {
		l.metrics.forget(ref)
		l.log.Info("function gone; forgotten", "function", ref.String())
	}
}

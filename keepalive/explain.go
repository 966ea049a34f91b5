package keepalive

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Explanation is what the explain API shows about one function's adaptive
// keep-alive: the plan, what it means now, and the pre-warm state.
type Explanation struct {
	Code   Code   `json:"code"`
	Reason string `json:"reason"`
	// IdleTimes is how many idle times the plan was learned from.
	IdleTimes      int       `json:"idle_times"`
	LastInvocation time.Time `json:"last_invocation,omitzero"`
	KeepAlive      string    `json:"keep_alive"`
	PreWarmFrom    time.Time `json:"prewarm_from,omitzero"`
	PreWarmUntil   time.Time `json:"prewarm_until,omitzero"`
	// PreWarmReplicas is how many replicas a pre-warm starts: the count the
	// idler last scaled the function to zero from (1 when not seen), at
	// least the function's min and at most its max (PreWarmer.Explain);
	// left out when the plan has no pre-warm window.
	PreWarmReplicas uint64 `json:"prewarm_replicas,omitzero"`
	// WarmNow says whether the plan wants a replica at this moment.
	WarmNow bool `json:"warm_now"`
	// PreWarmedUntil is set while the function is pre-warmed by the loop.
	PreWarmedUntil time.Time `json:"prewarmed_until,omitzero"`
	// LearnedSince is how far back the calls the keep-alive learned from
	// reach, the whole fleet's (Policy.LearnedSince): after a restart, the
	// span its rebuild read. FillingOlderHistory says a fill is reading
	// the history before it: until it ends, a function's plan (learning,
	// few idle times) may rest on the last hours of the lookback only.
	LearnedSince        time.Time `json:"learned_since,omitzero"`
	FillingOlderHistory bool      `json:"filling_older_history,omitempty"`
}

// Explain describes ref's keep-alive at now (false when the policy has never
// seen the function).
func (p *Policy) Explain(ref provider.Ref, fallback time.Duration, now time.Time) (Explanation, bool) {
	p.mu.Lock()
	h, ok := p.fns[ref]
	n := 0
	if ok {
		n = len(h.e)
	}
	p.mu.Unlock()
	if !ok {
		return Explanation{}, false
	}
	plan, last, slack := p.planSlack(ref, fallback, now)
	e := Explanation{Code: plan.Code, Reason: plan.Reason, IdleTimes: n, LastInvocation: last, KeepAlive: plan.KeepAlive.String()}
	e.LearnedSince, e.FillingOlderHistory = p.LearnedSince()
	if !last.IsZero() {
		e.WarmNow = plan.Warm(now.Sub(last), slack)
		if plan.PreWarmAt > 0 {
			// From the earliest the last call can have been (Plan.InPreWarm).
			e.PreWarmFrom, e.PreWarmUntil = last.Add(plan.PreWarmAt-slack), last.Add(plan.PreWarmUntil)
			e.PreWarmReplicas = p.preWarmReplicas(ref)
		}
	}
	return e, true
}

// Name is the explain section's name (explain.Section).
func (w *PreWarmer) Name() string { return "keepalive" }

// Explain is the explain API section for ref (explain.Section): the plan
// and whether the loop has pre-warmed the function.
//
// Only for a function the last pass found asking for the adaptive
// keep-alive (zero true, zero-duration auto, labels that parse): the feeder
// learns every invoked function, and a plan shown for one with a fixed
// zero-duration (relabelled from auto, say) is one neither the idler nor
// the pre-warmer uses. Before the first pass nothing is known, and the plan
// is shown. A pre-warm starts at least the function's min and at most its
// max, as RunOnce bounds it, not the count it was idled from when that is
// outside them; a plan with no pre-warm window shows no count.
func (w *PreWarmer) Explain(ref provider.Ref) (any, bool) {
	w.mu.Lock()
	fallback := w.cfg.Fallback // a reload's SetDefaults writes it
	var minReplicas, maxReplicas uint64
	c, passes := w.specs[ref], w.passes
	if passes > 0 && (c == nil || c.pass != passes || !c.want) {
		w.mu.Unlock()
		return nil, false
	}
	if c != nil {
		minReplicas, maxReplicas = c.min, c.max
	}
	w.mu.Unlock()
	now := w.cfg.Clock.Now()
	e, ok := w.cfg.Policy.Explain(ref, fallback, now)
	if !ok {
		return nil, false
	}
	// Only a plan with a pre-warm window has a count to bound (Policy.Explain
	// leaves it 0 otherwise): raised to the min, a learning or keep_alive
	// plan showed a pre-warm of 1 that nothing would start.
	if e.PreWarmReplicas > 0 {
		e.PreWarmReplicas = max(e.PreWarmReplicas, minReplicas)
		if maxReplicas > 0 && e.PreWarmReplicas > maxReplicas {
			e.PreWarmReplicas = maxReplicas
		}
	}
	w.mu.Lock()
	if until := w.warm[ref]; now.Before(until) {
		// The loop forgets a pre-warm at its first pass past the window,
		// up to prewarm_interval later: a time already past is no
		// pre-warm under way.
		e.PreWarmedUntil = until
	}
	w.mu.Unlock()
	return e, true
}

package actuator

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Explanation is the actuator's part of a function's explanation: the last
// write (who made the count what it is), the back-off, and what became of
// the recent intents.
type Explanation struct {
	LastWrite    *Write     `json:"last_write,omitempty"`
	BackoffUntil *time.Time `json:"backoff_until,omitempty"`
	Failures     int        `json:"consecutive_failures,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
	// RefusedReplicas is the count the provider refused last, not asked
	// for again before RefusedUntil; both are left out once that has
	// passed.
	RefusedReplicas *uint64    `json:"refused_replicas,omitempty"`
	RefusedUntil    *time.Time `json:"refused_until,omitempty"`
	// Refused lists every refused count still held off, each with its own
	// end, ending soonest first: other counts go ahead meanwhile.
	Refused []Refusal       `json:"refused,omitempty"`
	Recent  []ExplainIntent `json:"recent"`
}

// ExplainIntent is one outcome as the explain API shows it.
type ExplainIntent struct {
	At      time.Time `json:"at"`
	Who     Component `json:"who"`
	From    uint64    `json:"from"`
	To      uint64    `json:"to"`
	Why     string    `json:"why"`
	Verdict Code      `json:"arbitration"`
	Reason  string    `json:"arbitration_reason"`
	// Available is the replicas available to serve when the write found
	// the count changed; left out when it did not.
	Available *uint64 `json:"available,omitempty"`
}

// Name is the explain API section this fills.
func (a *Actuator) Name() string { return "actuation" }

// Explain describes ref's actuation, newest outcome first.
func (a *Actuator) Explain(ref provider.Ref) (any, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.slots[ref]
	if !ok {
		return nil, false
	}
	e := Explanation{Failures: s.failures, LastError: s.lastErr, Recent: make([]ExplainIntent, 0, len(s.history))}
	if !s.last.At.IsZero() {
		w := s.last
		e.LastWrite = &w
	}
	now := a.cfg.Clock.Now()
	if now.Before(s.backoffUntil) {
		t := s.backoffUntil
		e.BackoffUntil = &t
	}
	// As Arbitrate: a count is asked for again from its refusal's end on.
	if all, latest, ok := s.holdingRefusals(now); ok {
		t, n := latest.Until, latest.Replicas
		e.RefusedUntil, e.RefusedReplicas, e.Refused = &t, &n, all
	}
	for i := len(s.history) - 1; i >= 0; i-- {
		o := s.history[i]
		x := ExplainIntent{At: o.At, Who: o.Intent.Who, From: o.Intent.From, To: o.Intent.To,
			Why: o.Intent.Reason, Verdict: o.Code, Reason: o.Reason}
		if o.HasAvailable {
			n := o.Available
			x.Available = &n
		}
		e.Recent = append(e.Recent, x)
	}
	return e, true
}

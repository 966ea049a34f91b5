package idler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Explanation is a function's idle state as of the last cycle, for the
// explain API (section "idle").
type Explanation struct {
	Function    string    `json:"function"`
	EvaluatedAt time.Time `json:"evaluatedAt"`
	OptedIn     bool      `json:"optedIn"`
	Replicas    uint64    `json:"replicas"`
	Code        Code      `json:"code"`
	Reason      string    `json:"reason"`
	// KeepAlive is the zero-duration in use and KeepAliveSource where it came
	// from (label, default, or the auto policy's explanation).
	KeepAlive       string `json:"keepAlive,omitempty"`
	KeepAliveSource string `json:"keepAliveSource,omitempty"`
	// LastActivitySeen is the last cycle that saw an invocation start or in
	// flight (the invocation itself was at or before it).
	LastActivitySeen time.Time `json:"lastActivitySeen,omitzero"`
	// Queued is the asynchronous backlog the last cycle read (absent when
	// the source knows nothing about the function's queue).
	Queued      *float64  `json:"queued,omitempty"`
	IdleSince   time.Time `json:"idleSince,omitzero"`
	WouldIdleAt time.Time `json:"wouldIdleAt,omitzero"`
	// ScheduledMinimum and Schedule describe the active scheduled minimum;
	// MinSchedule is the configured value.
	ScheduledMinimum uint64    `json:"scheduledMinimum,omitempty"`
	Schedule         string    `json:"schedule,omitempty"`
	MinSchedule      string    `json:"minSchedule,omitempty"`
	RefusedUntil     time.Time `json:"refusedUntil,omitzero"`
	// LastAction is the last thing the idler did (or tried) to the function,
	// at LastActionAt.
	LastAction   string    `json:"lastAction,omitempty"`
	LastActionAt time.Time `json:"lastActionAt,omitzero"`
}

// explained is a function's Explanation as a cycle keeps it: without the
// words Explain can make from what it holds (the function's name, the
// keep-alive's duration), which a cycle would otherwise format for every
// function, keep, and throw away a cycle later, whether or not anyone asks.
type explained struct {
	Explanation // Function and KeepAlive empty
	keepAlive   time.Duration
}

func explanation(w *work, now time.Time) explained {
	e := Explanation{
		EvaluatedAt:      now,
		OptedIn:          w.in.SpecErr == nil && w.in.Spec.OptIn,
		Replicas:         w.fn.Replicas,
		Code:             w.v.Code,
		Reason:           w.v.Reason,
		LastActivitySeen: w.st.lastActive,
		Queued:           queuedOf(w.in.Observation),
		IdleSince:        w.v.IdleSince,
		WouldIdleAt:      w.v.WouldIdleAt,
		ScheduledMinimum: w.in.ScheduledMin,
		Schedule:         w.in.ScheduleReason,
		RefusedUntil:     w.st.refusedUntil,
		LastAction:       w.st.lastAction,
		LastActionAt:     w.st.lastActionAt,
	}
	if w.in.ScheduleErr != nil {
		e.Schedule = "invalid: " + w.in.ScheduleErr.Error()
	}
	e.MinSchedule = w.minSchedule
	x := explained{Explanation: e}
	if e.OptedIn {
		x.keepAlive, x.KeepAliveSource = w.in.KeepAlive, w.source
	}
	return x
}

// Explain returns the function's idle state as of the last cycle, and false
// when the idler has not seen the function.
func (d *Idler) Explain(ref provider.Ref) (any, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, ok := d.state[ref]
	if !ok || st.explain.EvaluatedAt.IsZero() {
		return nil, false
	}
	e := st.explain.Explanation
	e.Function = ref.String()
	if e.OptedIn {
		e.KeepAlive = st.explain.keepAlive.String()
	}
	return e, true
}

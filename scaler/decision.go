package scaler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// ReasonCode is the fixed set of decision outcomes, usable as a metric label.
type ReasonCode string

const (
	CodeScaleUp         ReasonCode = "scale_up"         // load needs more replicas
	CodeScaleDown       ReasonCode = "scale_down"       // load needs fewer replicas
	CodeBurst           ReasonCode = "burst"            // burst mode: short-window load far above capacity
	CodeWithinTolerance ReasonCode = "within_tolerance" // load inside the dead band: no change
	CodeSteady          ReasonCode = "steady"           // the load needs the current count, or step mode without a new alert: hold
	CodeStabilising     ReasonCode = "stabilising"      // scale-down held by the window's highest recommendation
	CodeAtMax           ReasonCode = "at_max"           // clamped to max
	CodeAtMin           ReasonCode = "at_min"           // clamped to min (or 1 while running)
	CodeScheduledMin    ReasonCode = "scheduled_min"    // clamped to a scheduled minimum
	CodeNoData          ReasonCode = "no_data"          // load missing: no change
	CodeStatic          ReasonCode = "static"           // min == max: never scaled
	CodeStepUp          ReasonCode = "step_up"          // step mode, firing alert
	CodeStepDown        ReasonCode = "step_down"        // step mode, resolved alert
	CodeDuplicate       ReasonCode = "duplicate"        // step mode: repeat of an alert already acted on
	CodeAtZeroIdle      ReasonCode = "at_zero_idle"     // at zero without load: left to the idler
	CodeFromZero        ReasonCode = "from_zero"        // at zero with load: woken
	CodeRateLimited     ReasonCode = "rate_limited"     // change cut by the per-evaluation rate limit
	CodeInvalidSpec     ReasonCode = "invalid_spec"     // labels do not parse: no change
	CodeLowerBound      ReasonCode = "lower_bound"      // scale-down held: a gateway instance is not scraped, or the answer may be partial, so the load read is a lower bound
)

// ReasonCodes lists every code, for pre-declaring metric series and docs.
var ReasonCodes = []ReasonCode{
	CodeScaleUp, CodeScaleDown, CodeBurst, CodeWithinTolerance, CodeSteady,
	CodeStabilising, CodeAtMax, CodeAtMin, CodeScheduledMin, CodeNoData,
	CodeStatic, CodeStepUp, CodeStepDown, CodeDuplicate, CodeAtZeroIdle,
	CodeFromZero, CodeRateLimited, CodeInvalidSpec, CodeLowerBound,
}

// Observation is what the loop saw for one function at one evaluation.
// Loads are the function's TOTAL load (e.g. total rps over all replicas);
// nil means missing, which is never read as zero.
type Observation struct {
	// Replicas is the provider's current desired count.
	Replicas uint64 `json:"replicas"`
	// Available is the count of ready replicas.
	Available uint64 `json:"available_replicas"`
	// StableLoad is the load averaged over StableWindow.
	StableLoad   *float64      `json:"stable_load,omitempty"`
	StableWindow time.Duration `json:"stable_window"`
	// BurstLoad is the load averaged over BurstWindow (shorter).
	BurstLoad   *float64      `json:"burst_load,omitempty"`
	BurstWindow time.Duration `json:"burst_window"`
	// StablePart and BurstPart say, for the capacity type, which part each
	// reading came from: "gauge" (the in-flight peak, which counts requests
	// waiting for a replica too) or "arrivals" (started rate × mean
	// duration); empty when the source does not say.
	StablePart metricsource.Part `json:"stable_part,omitzero"`
	BurstPart  metricsource.Part `json:"burst_part,omitzero"`
	// Signal is the alert that triggered this evaluation, nil on a tick.
	Signal *Signal `json:"signal,omitempty"`
	// LoadFailed says the stable window's load query failed as a whole (the
	// source unreachable, or its answer refused): the stable load is
	// missing for every function of the type, not for this one alone. An
	// alert's load then outlives its evidence window (held, not undone:
	// missing data never scales anything down) until the source answers.
	LoadFailed bool `json:"load_failed,omitempty"`
	// LowerBound says why the loads are lower bounds ("" when they are
	// not): the type's readings are sums over the gateway's instances
	// (metricsource.GatewaySum) and one of them is not scraped now, so its
	// share is missing from them; or the load answer said it may be partial
	// (a Thanos store down), and the source kept only readings that a
	// missing series can only lower (metricsource.PartialError). They may
	// scale up (the load is at least that), never down.
	LowerBound string `json:"lower_bound,omitempty"`
	// Queued is the asynchronous backlog of a function at zero whose type
	// is not queue (nil: not read or unknown); it wakes the function, see
	// scaler/queue.go.
	Queued *float64 `json:"queued,omitempty"`
	// ScheduledMin raises the minimum (from the idler's schedules); 0 = none.
	ScheduledMin       uint64 `json:"scheduled_min,omitempty"`
	ScheduledMinReason string `json:"scheduled_min_reason,omitempty"`

	// quiet asks Decide for the code and counts without the reason's words
	// (Reason may be empty or partial). The loop's passes decide quietly and
	// decide again, aloud, only when a reason is shown: for a change, a
	// record another follows, or the explain API. Decide is pure, so the
	// second answer is the first one with its words.
	quiet bool
}

// Recommendation is one raw (pre-clamp, pre-limit) replica recommendation,
// kept for the scale-down stabilisation window.
type Recommendation struct {
	At       Instant `json:"at"`
	Replicas uint64  `json:"replicas"`
	// Expires is set when the recommendation rests on an alert's load: it
	// stops holding replicas then, whatever the down window (issue 15, item 6).
	Expires Instant `json:"expires,omitzero"`
}

// State is one function's memory between evaluations. It is a value: Decide
// returns the next one in Decision.Next and the loop just stores it.
type State struct {
	// Recommendations within the longest window in use, oldest first.
	Recommendations []Recommendation `json:"recommendations,omitempty"`
	// LastScale is when a decision last changed the count, and which way
	// (UpToFloor: raised to the min or a scheduled minimum, not for load).
	LastScale    time.Time `json:"last_scale,omitzero"`
	LastScaleDir Direction `json:"last_scale_direction,omitempty"`
	// BurstSince is when burst mode started (zero: not in burst);
	// BurstCrossed the last evaluation whose burst load crossed the threshold.
	BurstSince   time.Time `json:"burst_since,omitzero"`
	BurstCrossed time.Time `json:"burst_crossed,omitzero"`
	// StepKey/StepAt: the last firing alert acted on in step mode;
	// PrevStepKey/PrevStepAt: the one before it, when another (a function's
	// second alert: both come back in a notification's retries).
	StepKey     string    `json:"step_key,omitempty"`
	StepAt      time.Time `json:"step_at,omitzero"`
	PrevStepKey string    `json:"prev_step_key,omitempty"`
	PrevStepAt  time.Time `json:"prev_step_at,omitzero"`
	// RampFrom/RampStart: step mode stepping down after a resolved alert,
	// from RampFrom replicas at RampStart to min at RampStart + DownWindow.
	RampFrom  uint64    `json:"ramp_from,omitempty"`
	RampStart time.Time `json:"ramp_start,omitzero"`
	// StepFoundAt: step mode found the function above its floor with no
	// firing alert acted on in this term (a start, a new term: the alert
	// that raised it may have been resolved before); without a firing
	// alert for one down window from then it steps down as after a
	// resolve (a restart 10 s into a ramp otherwise kept the stepped count
	// for good: AlertManager does not send a resolve answered 200 again).
	StepFoundAt time.Time `json:"step_found_at,omitzero"`
	// StepRuleAt: when the generated step alert (scaling_type "step") was
	// last seen firing for the function; zero once seen resolved. While it
	// is under StepRuleEvidence old, alerts without a scaling_type
	// (OpenFaaS CE's APIHighInvocationRate, which `rules --ce-compatible`
	// routes here too) neither step nor start the way down: one condition,
	// one step. A time, not a flag: a flag set by a firing whose
	// resolution never arrived ignored CE's alert for good.
	StepRuleAt time.Time `json:"step_rule_at,omitzero"`
	// StepRuleRepeats: that firing came from a sender that repeats it
	// (Signal.Repeats, AlertManager): only then is its silence for
	// StepRuleEvidence taken for its lost resolution (ruleLapsed).
	StepRuleRepeats bool `json:"step_rule_repeats,omitempty"`
	// StepDropOwed: exact CE's drop to the floor on a received resolution
	// (decided at this time; or on the generated alert's lapse, only when
	// held by a schedule as below, or overtaken by nothing but the loop's
	// own earlier write) was not applied: the actuator refused it or
	// the write failed. Set by the loop's outcome, and by Decide only for
	// a drop held above its floor by an active scheduled minimum, which
	// stays owed until the schedule ends whether or not its write lands: a
	// resolution answered 200 is not sent again and exact CE keeps no
	// ramp, so without it the function stayed at its stepped count for
	// good. The next pass without a signal decides the drop again; a
	// firing alert acted on, or the generated step alert seen firing,
	// ends it (the condition is back).
	StepDropOwed time.Time `json:"step_drop_owed,omitzero"`
	// StepDropFrom is the count the owed drop was decided on (0: not
	// known, a state kept before it was), or the lower count a pass read
	// while a schedule held the drop (a read does not go back: a count
	// above it since is a raise). A pass that finds the function
	// above it owes nothing: someone raised it since, and that raise is
	// the newer intent; the drop, had it landed first, would have left
	// the raise alone too (exact CE holds without an alert).
	StepDropFrom uint64 `json:"step_drop_from,omitempty"`
	// StepDropHeld: Decide owes the drop for an active scheduled minimum
	// that held it above its floor (oweHeldDrop, owedDrop), not the
	// outcome for a write not applied. Once the schedule ends, the pass
	// that drops says the schedule ended rather than "not applied yet",
	// which read as a failed write when every write had landed.
	StepDropHeld bool `json:"step_drop_held,omitempty"`
	// AlertLoadAt is the last evaluation whose count rested on an alert's
	// load, AlertBase the count before that evidence started; without other
	// load data the count returns to AlertBase one evidence window later.
	AlertLoadAt time.Time `json:"alert_load_at,omitzero"`
	AlertBase   uint64    `json:"alert_base,omitempty"`
	// AlertLoadKey is the alert instance (fingerprint@StartsAt) whose load
	// a notification last brought: a repeat of it brings no new evidence.
	AlertLoadKey string `json:"alert_load_key,omitempty"`
}

// ramp is step mode's way down as State keeps it (RampFrom, RampStart).
type ramp struct {
	from  uint64
	start time.Time
}

// Decision is the outcome of one evaluation.
type Decision struct {
	// Replicas is the desired count; Current the provider's count it replaces.
	Replicas uint64 `json:"replicas"`
	Current  uint64 `json:"current"`
	// Code is the reason from the fixed set; Reason a sentence with numbers.
	Code   ReasonCode `json:"code"`
	Reason string     `json:"reason"`
	// Scale is true when Replicas differs from Current.
	Scale bool `json:"scale"`
	// Recommended is the raw load-based recommendation before windows,
	// limits and clamps (0 when none was computed).
	Recommended uint64 `json:"recommended"`
	// Evidence is how far back the load this decision rests on reaches (the
	// window it was averaged over; 0 for an alert's fresh reading). The
	// actuator drops a wake from zero whose evidence began before the
	// function was idled: that load is what the idle already judged.
	Evidence time.Duration `json:"evidence_window,omitempty"`
	// Next is the function's state after this decision.
	Next State `json:"-"`
	// lapsed: step mode took the generated step alert's silence for its
	// lost resolution (ruleLapsed); outcome puts StepRuleAt back when the
	// count this asked for was not applied, so the next pass finds the
	// lapse again. Only then: a received resolution is not undone (its
	// drop is owed instead: dropOwed).
	lapsed bool
	// dropOwed: exact CE dropped to the floor on a received resolution
	// decided at this time (now, or the time of the one owed since);
	// outcome keeps it owed in State.StepDropOwed when the count was not
	// applied. Also set for the lapse's drop, which outcome owes only
	// when overtaken by the loop's own earlier write (ownwrite.go). Not StepRuleAt put back, as for the lapse: that made a
	// resolution that arrived read as the generated alert still firing.
	dropOwed time.Time
	// dropFrom is the count dropOwed's drop was decided on, kept beside
	// it (State.StepDropFrom).
	dropFrom uint64
	// endedRamp: step mode's way down (RampFrom, RampStart) that this
	// decision ended asking for the floor. Ended, nothing asks for it
	// again: with a firing stepped on in the term StepFoundAt does not
	// take over, and a last write not applied left the function a ramp
	// step above its floor for good. outcome puts the ramp back then, and
	// the next pass, past the down window, asks for the floor again.
	endedRamp ramp
	// forLoad: the load asked for at least the count a floor's code names,
	// so a raise to it is for load, not up_to_floor: a firing alert acted
	// on (a step, a wake) set the count, whatever floor then clamped it, or
	// a floor above the scale-up limit stopped a load needing more
	// (limitAndClamp).
	forLoad bool
}

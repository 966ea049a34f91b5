package idler

import (
	"errors"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Explanation is a function's idle state as of the last cycle, for the
// explain API (section "idle").
type Explanation struct {
	Function    string    `json:"function"`
	EvaluatedAt time.Time `json:"evaluated_at"`
	OptedIn     bool      `json:"opted_in"`
	Replicas    uint64    `json:"replicas"`
	Code        Code      `json:"code"`
	Reason      string    `json:"reason"`
	// KeepAlive is the zero-duration in use and KeepAliveSource where it came
	// from (label, default, or the auto policy's explanation).
	KeepAlive       string `json:"keep_alive,omitempty"`
	KeepAliveSource string `json:"keep_alive_source,omitempty"`
	// LastActivitySeen is the last cycle that saw an invocation start or in
	// flight (the invocation itself was at or before it).
	LastActivitySeen time.Time `json:"last_activity_seen,omitzero"`
	// Queued is the asynchronous backlog the last cycle read (absent when
	// the source knows nothing about the function's queue).
	Queued      *float64  `json:"queued,omitempty"`
	IdleSince   time.Time `json:"idle_since,omitzero"`
	WouldIdleAt time.Time `json:"would_idle_at,omitzero"`
	// ScheduledMinimum and Schedule describe the active scheduled minimum
	// (Schedule alone one about to start, which keeps the function from
	// being idled); MinSchedule is the configured value.
	ScheduledMinimum uint64    `json:"scheduled_minimum,omitempty"`
	Schedule         string    `json:"schedule,omitempty"`
	MinSchedule      string    `json:"min_schedule,omitempty"`
	RefusedUntil     time.Time `json:"refused_until,omitzero"`
	// LastAction is the last thing the idler did (or tried) to the function,
	// at LastActionAt.
	LastAction   string    `json:"last_action,omitempty"`
	LastActionAt time.Time `json:"last_action_at,omitzero"`
}

// explained is a function's Explanation as a cycle keeps it: without the
// words Explain can make from what it holds (the function's name, the
// keep-alive's duration), which a cycle would otherwise format for every
// function, keep, and throw away a cycle later, whether or not anyone asks;
// and without the room for them (an embedded Explanation kept 32 bytes of
// empty strings a function). What most functions never have (an activity,
// a schedule, an action: zero for an idle function not opted in) is behind
// more, nil when all of it is zero: 280 bytes were kept a function, 104
// for most, 64 now. The time of evaluation is not kept per function: it is
// the time of the cycle that made the explanation, which the Idler keeps
// once (cycleAt, prevCycleAt; see stale). The code is its place in the
// fixed set (a byte, not a 16-byte string).
type explained struct {
	// code is the verdict's Code as codeKey keeps it; 0: not explained yet.
	code    uint8
	optedIn bool
	// stale: made by the cycle before the one that last listed the
	// function (Idler.prevCycleAt), which has not explained it yet;
	// otherwise made by the last cycle that listed it (Idler.cycleAt).
	// Every cycle that lists a function explains it (prepare answers it
	// or finish records its item), so there is no older one.
	stale                   bool
	reason, keepAliveSource string
	replicas                uint64
	keepAlive               time.Duration
	more                    *explainedMore
}

// explainedCodes are the Codes an explained's code indexes (from 1): a copy
// made once, so that nothing changing the exported slice changes what a
// kept explanation says.
var explainedCodes = append([]Code(nil), Codes...)

// codeKey is c as explained.code keeps it. Every Code is in Codes (the
// metric labels are pre-set from it; TestEveryCodeIsListed): one that was
// not would be kept as unknownCode and shown as "".
//
// A switch in Codes' order (TestCodeKeyIsThePlaceInCodes), not a walk
// along them: every item of every cycle is keyed, most as already_zero,
// the eighth.
func codeKey(c Code) uint8 {
	switch c {
	case CodeIdle:
		return 1
	case CodeActive:
		return 2
	case CodeInflight:
		return 3
	case CodeMissingData:
		return 4
	case CodeNotOptedIn:
		return 5
	case CodeInvalidLabel:
		return 6
	case CodeTooYoung:
		return 7
	case CodeAlreadyZero:
		return 8
	case CodeScheduledMin:
		return 9
	case CodeRecentlyScaled:
		return 10
	case CodeDryRun:
		return 11
	case CodeRefused:
		return 12
	case CodeOverruled:
		return 13
	case CodeQueued:
		return 14
	}
	return unknownCode
}

// unknownCode keeps a Code missing from Codes.
const unknownCode = 255

// codeOf is the Code key stands for ("" for unknownCode).
func codeOf(key uint8) Code {
	if key == 0 || int(key) > len(explainedCodes) {
		return ""
	}
	return explainedCodes[key-1]
}

// explainedMore is the rest of an explained; a cycle overwrites a
// function's in place (under Idler.mu, which Explain holds to read it)
// rather than allocating another.
type explainedMore struct {
	lastActivitySeen, idleSince, wouldIdleAt, refusedUntil, lastActionAt time.Time
	schedule, minSchedule, lastAction                                    string
	scheduledMinimum                                                     uint64
	queued                                                               *float64
	// count words an unworded reason (explained.words): the invocations
	// started (active) or in flight (inflight). Within the struct's size
	// class (184 bytes to 192), and only in functions that have a more.
	count float64
}

// explanation is w's explanation, made by the cycle at now; prev is the
// function's kept explainedMore (nil: none), reused when this one needs one
// too. The last action is this cycle's (w.action), else the one prev kept.
func explanation(w *work, now time.Time, prev *explainedMore) explained {
	x := explained{
		optedIn:  w.in.SpecErr == nil && w.in.Spec.OptIn,
		replicas: w.fn.Replicas,
		code:     codeKey(w.v.Code),
		reason:   w.v.Reason,
	}
	m := explainedMore{
		queued:           queuedOf(w.in.Observation),
		idleSince:        w.v.IdleSince,
		wouldIdleAt:      w.v.WouldIdleAt,
		scheduledMinimum: w.in.ScheduledMin,
		schedule:         w.in.ScheduleReason,
		minSchedule:      w.minSchedule,
	}
	if t := w.st.times; t != nil { // the two times read in place, not two copies of them all (st.t)
		m.lastActivitySeen, m.refusedUntil = t.lastActive, t.refusedUntil
	}
	if x.reason == "" {
		switch w.v.Code { // unworded by work.decide: words made when read
		case CodeActive:
			m.count = w.in.Observation.Started
		case CodeInflight:
			m.count = w.in.Observation.Inflight
		}
	}
	if w.action != "" {
		m.lastAction, m.lastActionAt = w.action, now
	} else if prev != nil {
		m.lastAction, m.lastActionAt = prev.lastAction, prev.lastActionAt
	}
	if w.in.ScheduleErr != nil {
		m.schedule = "invalid: " + w.in.ScheduleErr.Error()
	}
	if x.optedIn {
		x.keepAlive, x.keepAliveSource = w.in.KeepAlive, w.source
	}
	if m != (explainedMore{}) {
		if prev == nil {
			prev = new(explainedMore)
		}
		*prev = m
		x.more = prev
	}
	return x
}

// explanation is what Explain shows of x for ref, made by the cycle at at.
func (x *explained) explanation(ref provider.Ref, at time.Time) Explanation {
	e := Explanation{
		Function: ref.String(), EvaluatedAt: at, OptedIn: x.optedIn, Replicas: x.replicas,
		Code: codeOf(x.code), Reason: x.words(), KeepAliveSource: x.keepAliveSource,
	}
	if m := x.more; m != nil {
		e.LastActivitySeen, e.Queued, e.IdleSince, e.WouldIdleAt = m.lastActivitySeen, m.queued, m.idleSince, m.wouldIdleAt
		e.ScheduledMinimum, e.Schedule, e.MinSchedule, e.RefusedUntil = m.scheduledMinimum, m.schedule, m.minSchedule, m.refusedUntil
		e.LastAction, e.LastActionAt = m.lastAction, m.lastActionAt
	}
	if x.optedIn {
		e.KeepAlive = x.keepAlive.String()
	}
	return e
}

// words is x's reason. An active or in-flight verdict's is kept unworded
// (work.decide) and worded here, as Decide words it, from the count and
// the keep-alive x keeps: the explain API and VerdictOf read a few
// functions' reasons; every running function's were made every cycle.
func (x *explained) words() string {
	if x.reason != "" || x.more == nil {
		return x.reason
	}
	switch x.code {
	case codeKey(CodeActive):
		return activeWords(x.more.count, x.keepAlive)
	case codeKey(CodeInflight):
		return inflightWords(x.more.count)
	}
	return x.reason
}

// Explain returns the function's idle state as of the last cycle (an
// Explanation), and false when the idler has not seen the function.
//
// Until a cycle of this term has explained the functions (NotListed), a
// former term's explanations are not shown: NewTerm keeps that term's
// state, and with the scaler listing (NotListed not asked) its section sat
// beside the scaler's current one, an hour old ("already_zero", replicas 0
// beside the scaler's 3: a review's finding). Within a term it answers
// then what is known: the explanation the first cycle, in progress, made
// as it listed the function (one not opted in or with invalid labels:
// answersAsListed), or else a Pending saying
// when the cycle began or is due; outside a term (never started, or Run
// ended), false. After it, a function no cycle has explained yet (deployed,
// or deployed again, since the last cycle listed) is a Pending too, saying
// which cycle explains it (unexplained).
func (d *Idler) Explain(ref provider.Ref) (any, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, ok := d.state[ref]
	if d.explained || (ok && d.thisCycleMade(st)) {
		if !ok || st.explain.code == 0 {
			// Deployed (again) since the last cycle listed: d.explained
			// holds here, as thisCycleMade needs a code.
			return d.unexplained(ref, ok)
		}
		return st.explain.explanation(ref, d.explainedAt(&st.explain)), true
	}
	if d.term.at.IsZero() {
		return nil, false
	}
	return d.pending(ref), true
}

// explainedAt is when the cycle that made x ran. d.mu is held.
func (d *Idler) explainedAt(x *explained) time.Time {
	if x.stale {
		return d.prevCycleAt
	}
	return d.cycleAt
}

// NotListed (explain.Unlisted) is nil once a cycle of this term has
// listed and explained the functions; before, the explain API answers 503
// rather than a partial list (the functions a cycle under way has not
// explained yet left out) or a former term's.
func (d *Idler) NotListed() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.explained {
		const why = "functions not listed yet: no cycle of the idler's has listed and explained them since it started (a process start or a leadership term)"
		if d.term.at.IsZero() {
			return errors.New(why)
		}
		return errors.New(why + "; " + d.pendingWords()) // when the first is due, since when it runs, or why it failed
	}
	return nil
}

// Refs lists the functions the last cycle evaluated: the explain API's list
// when the scaler, which lists otherwise, is off (scaler.enabled: false).
func (d *Idler) Refs() []provider.Ref {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]provider.Ref, 0, len(d.state))
	for ref, st := range d.state {
		if st.explain.code != 0 {
			out = append(out, ref)
		}
	}
	return out
}

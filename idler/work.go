package idler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A cycle's work item: one function's inputs, verdict and outcome while the
// cycle runs.

// work is one function's inputs during a cycle.
type work struct {
	// fn points into the cycle's listing, which lives as long as the cycle:
	// a copy was 88 bytes more per item, one item per function.
	fn *provider.Function
	st *fnState
	// in is what the cycle works out for Decide; input() adds what the
	// listing and the kept state already hold.
	in     cycleInput
	window time.Duration // activity window queried; 0 = no query needed
	source string        // where the keep-alive came from
	// specMin, specMax: the function's min and max from the one parse of
	// its labels (valid when in.SpecErr is nil), all a restore needs; not
	// the whole scaler.Spec, copied for every function every cycle.
	specMin, specMax uint64
	minSchedule      string // the min-schedule value, as configured
	v                Verdict
	action           string
	outcome          outcome
	// askScaleUp: the scaler is to be asked for the last scale-up once
	// the activity is known (askLastScaleUp). Beside soon, in the padding.
	askScaleUp bool
	// soon: a scheduled minimum not active now starts before the idler
	// could restore the function from zero; in.ScheduleReason words it
	// (Input.ScheduledSoon). A flag in the item's padding, not a field
	// more in every item for what few functions have.
	soon bool
	// historyPending: Input.HistoryPending (auto, the keep-alive's history
	// still being read), in the padding too.
	historyPending bool
}

// cycleInput is the part of a function's Input that a cycle works out
// (its spec, keep-alive, observation, schedule, last scale-up), under the
// Input's names. The rest (name, counts, creation, first sight, last
// activity and wake, refusal) is the listed Function's or the fnState's,
// which the cycle updates together with the copies it kept here before:
// keeping those copies in every item was 168 bytes a function for the
// length of a cycle (a 560-byte item, 392 without), and a collection during
// the cycle counts every item live.
type cycleInput struct {
	Spec           ZeroSpec
	SpecErr        error
	KeepAlive      time.Duration
	Observation    Observation
	ScheduledMin   uint64
	ScheduleReason string // with work.soon: the words of the minimum starting soon
	ScheduleErr    error
	LastScaleUp    time.Time
}

// input is w's Input for Decide now; wakesSeenBy is the cycle's
// (Idler.wakesSeenBy), the same for every item.
func (w *work) input(now, wakesSeenBy time.Time) Input {
	tm := w.st.t()
	in := Input{
		Ref: w.fn.Ref, Spec: w.in.Spec, SpecErr: w.in.SpecErr, Replicas: w.fn.Replicas, Available: w.fn.AvailableReplicas,
		LastWoken: tm.wokenAt, WakeUnsure: w.st.wakeUnsure, UnreadySince: unreadySinceOf(&tm),
		KeepAlive: w.in.KeepAlive, CreatedAt: w.fn.CreatedAt, FirstSeen: w.st.firstSeenIn(now.Location()),
		LastActive: tm.lastActive, Observation: w.in.Observation, ScheduledMin: w.in.ScheduledMin,
		ScheduleReason: w.in.ScheduleReason, ScheduleErr: w.in.ScheduleErr, LastScaleUp: w.in.LastScaleUp,
		RefusedUntil: tm.refusedUntil, WakesSeenBy: wakesSeenBy, HistoryPending: w.historyPending,
	}
	if w.soon {
		in.ScheduledSoon, in.ScheduleReason = w.in.ScheduleReason, ""
	}
	return in
}

// decide is Decide for w at now, leaving an active or in-flight verdict
// unworded (Reason empty; decide's word): explanation keeps what words it.
// A function at zero, opted in, with no
// scheduled minimum active, starting soon or unreadable, is answered
// already_zero as Decide answers it, without its Input: most items of a
// fleet that idles are at zero most cycles, and the Input's making (the
// times copied, the first sighting put in the cycle's zone) was as dear
// as the rest of their verdict and explanation together. Decide stays the
// decision; TestItemDecideIsDecide holds the two equal.
func (w *work) decide(now, wakesSeenBy time.Time) Verdict {
	if w.fn.Replicas == 0 && w.in.SpecErr == nil && w.in.Spec.OptIn && w.in.ScheduleErr == nil && w.in.ScheduledMin == 0 &&
		(!w.soon || w.in.ScheduleReason == "") { // Input.ScheduledSoon empty
		return alreadyZero
	}
	in := w.input(now, wakesSeenBy)
	return decide(&in, now, false)
}

type outcome uint8

const (
	outcomeNone outcome = iota
	outcomeIdled
	outcomeRestored
	outcomeRefused
)

// askLastScaleUp asks recent (Config.RecentScaleUp) for w's last scale-up
// when prepare left it to ask and Decide can read it: with the activity
// known and none of it (queued, in flight, started), which Decide answers
// before it looks at the scale-up. Most running functions have some:
// asked in prepare, every one of them cost a lock and a lookup in the
// scaler every cycle for nothing. TestLastScaleUpAskedWhereDecideReadsIt.
func (w *work) askLastScaleUp(recent func(provider.Ref) time.Time) {
	o := &w.in.Observation
	if w.askScaleUp && o.Known && !(o.HasQueued && o.Queued > 0) && !(o.HasInflight && o.Inflight > 0) && !(o.HasStarted && o.Started > 0) {
		w.in.LastScaleUp = recent(w.fn.Ref)
	}
}

package scaler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fnState is what the loop remembers about one function. Guarded by Loop.mu,
// except the fields only passes touch (under passMu), as marked.
type fnState struct {
	ref       provider.Ref
	forgotten bool       // deleted from Loop.fns
	decided   bool       // a decision was made (beside forgotten: one padded word for these four)
	repeat    repeatKind // whether and how the last decision may be repeated while its inputs hold (repeat.go); passMu
	scaleDir  Direction  // State.LastScaleDir (kept.go)
	// The last Observation's capacity parts and which of its readings were
	// present, in the same padded word (keptObs has none spare):
	// fs.keepObs and fs.observation carry them.
	stablePart, burstPart metricsource.Part
	obsHas                obsHas
	// floored: the labels' parse found LoopConfig.MinFloorLabel (or none
	// is set), so MinFloor is asked (minFloor); in the word's last byte.
	floored bool
	// replicas is the provider's count at the last decision, updated by an
	// applied scale, for explain (the available count is obs's); not the
	// whole listed Function, whose 88 bytes the explain API never read.
	replicas uint64
	spec     *Spec // of the last decision (shared with parsed, never changed; nil before one)
	// specFailed is the last decision's parse error (specErr), the
	// parse's own pointer (ParsedSpec.failed, replaced, never changed, by
	// a new parse): inline, the error's 16 bytes left no room for created.
	specFailed *error
	// created is the listed CreatedAt the state is of (0: no listing said):
	// a later one is a new function deployed under the name (statesLocked).
	created Instant
	// The State the last decision left, as kept.go keeps it: state() and
	// setState() convert.
	recs      []Recommendation
	lastScale time.Time
	modes     *modeState // nil: no burst, step or alert mode
	// before is the state the last decision was made on: with spec, obs and
	// the last record's time, the inputs that word a quiet decision again.
	// nil: the same as state (an idle function's decisions change nothing),
	// so only a function whose state moved pays for a second State.
	before *keptState
	obs    keptObs // the last decision's Observation (kept.go)
	// history is oldest first, at most max(HistorySize, 1): once decided,
	// its last record's Replicas is the last decision's count (desired).
	history []Record
	// seq numbers the records, so an outcome finds its own; pass is the
	// last pass that listed it (passMu). 32 bits each: at one decision a
	// second a function wraps seq in 136 years. Every decision adds one to
	// seq and, but for a repeat's, one to counts: settleCounts counts the
	// repeats from the difference.
	seq, pass uint32
	parsed    ParsedSpec  // the labels' parse, reused while they do not change; passMu
	counts    []codeCount // decisions by reason code, for the metrics, the repeats not yet counted (settleCounts)
}

// specErr is the last decision's parse error (nil: none, or no decision).
func (fs *fnState) specErr() error { return errAt(fs.specFailed) }

// desired is the last decision's count (its record's; 0 before one).
func (fs *fnState) desired() uint64 {
	if len(fs.history) == 0 {
		return 0
	}
	return fs.history[len(fs.history)-1].Replicas
}

// lastSays reports whether a decision made on trigger says what the last
// record says, so that it refreshes that record instead of adding one. The
// record is read, not a copy of its key kept beside it (56 bytes a
// function): only a pass writes a record's key fields and the history
// itself, and the caller's pass holds passMu (the actuator's outcome writes
// only Result and Error, under mu).
func (fs *fnState) lastSays(trigger string, d Decision) bool {
	if len(fs.history) == 0 {
		return false
	}
	r := &fs.history[len(fs.history)-1]
	return !r.Scale && !d.Scale && r.Trigger == trigger && r.Code == d.Code && r.Replicas == d.Replicas && r.Current == d.Current
}

package scaler

import (
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// statesLocked returns each function's state, creating those seen for the
// first time, and marks them seen by this pass; marked counts the states
// it marked (fewer than fns when a listing names a function twice). The
// returned slice is *scratch, the loop's scratch space (Loop.scratch for a
// pass's listing, Loop.fewScratch for a few functions), valid until the
// next call with it. l.mu and passMu are held.
func (l *Loop) statesLocked(fns []provider.Function, now time.Time, scratch *[]*fnState) (states []*fnState, marked int) {
	// A listing comes in the provider's order, almost always the last one's:
	// the state at the same place is the function's when its ref matches,
	// which spares a map lookup per function (a tenth of a pass at 100,000).
	// Any state in prev will do as a guess (one that matches is the
	// function's: a state leaves l.fns only forgotten), so a few functions'
	// evaluation keeps its own (fewScratch), and the pass after it still
	// finds the last listing's order. prev[i] is read before states
	// overwrites it.
	prev := *scratch
	states = prev[:0]
	for i := range fns {
		fn := &fns[i] // not a copy of its 112 bytes per function per pass
		var fs *fnState
		if i < len(prev) && prev[i].ref == fn.Ref && !prev[i].forgotten {
			fs = prev[i]
		} else {
			fs = l.fns[fn.Ref]
		}
		// Only a listed creation time later than the state's can mean a
		// new function (redeployedLocked): compared here, a call per
		// function per pass is spared.
		if created := InstantOf(fn.CreatedAt); fs != nil && created > fs.created && l.redeployedLocked(fs, fn, created) {
			fs = nil // a new function under the name: first seen, below
		}
		if fs == nil {
			// The listing's counts until the first decision keeps its
			// observation (the explain API serves the function from now:
			// zeros read as a function at zero that the controller wants
			// there, while the pass waits for the metrics source).
			fs = &fnState{ref: fn.Ref, replicas: fn.Replicas, obs: keptObs{replicas: fn.Replicas, available: fn.AvailableReplicas},
				created: InstantOf(fn.CreatedAt)}
			l.fns[fn.Ref] = fs
			l.order, l.orderGen = nil, l.orderGen+1
			if fn.Replicas > 0 {
				// First sight (a start, a restart, a failover, a new function):
				// the count found is what someone wanted within the last down
				// window, for all this loop knows. Remembering it as a
				// recommendation means no scale-down before one down window has
				// passed — a restart used to forget a burst's peak and halve the
				// function every pass from the first (issue 15, item 5).
				fs.recs = []Recommendation{{At: InstantOf(now), Replicas: fn.Replicas}}
			}
		} else if fs.pass < l.termPass {
			// First sight in a new leadership term (newTerm): the same,
			// after this replica's own recommendations (a copy: the
			// explain API may hold the list), and decided in full. What
			// the modes and the last scale said is another leader's count
			// ago, as at a process start: a step ramp from an alert
			// resolved an hour before dropped the count the last leader
			// left to the floor at once, and an alert's base an hour old
			// took a function with no data back to it.
			if fn.Replicas > 0 {
				fs.recs = append(slices.Clip(fs.recs), Recommendation{At: InstantOf(now), Replicas: fn.Replicas})
			}
			fs.modes, fs.lastScale, fs.scaleDir = nil, time.Time{}, None
			fs.repeat = repeatNone
		}
		if fs.pass != l.pass {
			fs.pass = l.pass
			marked++
		}
		states = append(states, fs)
	}
	*scratch = states
	return states, marked
}

// redeployedLocked reports whether fn is a new function deployed under
// the name of fs's since fs was made: listed with a later CreatedAt
// (created, InstantOf(fn.CreatedAt): the caller has it already) than
// the one fs is of (deleted and deployed again between two listings, so
// forget never ran). fs is then retired as forget retires a function gone,
// and the caller makes the new one's state as at a first sight: the old
// one's recommendations held the new one in their down window, its modes
// ran on (a step ramp took a new function down from the count it was
// deployed at, the burst mode forbade its scale-down), and its records
// were the new one's history in the explain API. A zero CreatedAt (the
// provider does not say) changes nothing, nor does an earlier one (a
// listing from before the re-creation, a lagging cache); the first one a
// listing gives is kept. l.mu is held.
//
// Unlike forget it leaves the actuator alone: a Forget would end the scale
// call series of a name still listed, and the actuator renews its slot
// itself when an intent names a later creation time. The function's own
// series go with its state, as the new one's start from its first
// decision (decisions_total reads as a counter reset).
func (l *Loop) redeployedLocked(fs *fnState, fn *provider.Function, created Instant) bool {
	switch {
	case created <= fs.created:
		return false
	case fs.created == 0:
		fs.created = created
		return false
	}
	fs.forgotten = true // the caller replaces it in l.fns; a pass's scratch may still point at it
	ref := fs.ref
	delete(l.follow, ref)
	delete(l.unknownLabels, ref) // noted again when the new state's parse is made
	delete(l.ownWrites, ref)
	// A queued signal stays (l.pending): an alert is about the function
	// name's series in the gateway's metrics, which the new deployment
	// inherits, so a firing is about the load it now serves. Telling an
	// old signal from a new one by Received against CreatedAt compared
	// the controller's clock with the API server's (a skew dropped a
	// firing received since, lost until AlertManager's repeat interval),
	// and EvaluatePending takes its queue before any listing is seen.
	l.log.Info("function deployed again under its name; its state starts afresh", "function", ref.String(),
		"created", fn.CreatedAt.UTC().Format(time.RFC3339Nano))
	return true
}

// forget drops a function that disappeared, with its metric series (the
// per-function gauges and decision counts go with its state; its scale
// calls with the actuator's memory of it).
func (l *Loop) forget(ref provider.Ref) {
	l.mu.Lock()
	fs, ok := l.fns[ref]
	if ok {
		fs.forgotten = true // a pass's scratch may still point at it
	}
	delete(l.fns, ref)
	if ok {
		l.order, l.orderGen = nil, l.orderGen+1
	}
	delete(l.pending, ref)
	delete(l.follow, ref)
	delete(l.unknownLabels, ref)
	delete(l.ownWrites, ref)
	l.mu.Unlock()
	if ok {
		// The actuator's memory of it too (its last write, back-off and
		// recent outcomes, its scale call series): kept, a fleet whose
		// functions come and go would grow one entry per name ever seen,
		// and a function deployed again under the name would inherit the
		// old one's back-off.
		if f, isForgetter := l.cfg.Actuator.(interface{ Forget(provider.Ref) }); isForgetter {
			f.Forget(ref)
		}
		l.log.Info("function gone; forgotten", "function", ref.String())
	}
}

package scaler

import "time"

// A busy function's repeat: recording its last recommendation again at
// now, as deciding again on the same inputs would (repeat.go says when a
// repeat is taken instead of a decision).

// recordAgain is what deciding again on a repeatRecords function's inputs
// does to its state at now (window: its down window; cur: its count): the
// last recommendation, the one its last decision recorded, recorded again
// at now through record and keepBinding, and the state before it kept as
// the one the decision was made on (decideAndApply's before). False,
// changing nothing, when the state is no longer one recordsOnly allowed (an
// actuator's outcome rewrote it), or when the last decision stabilised and
// the window's highest at now, as decideTarget reads it, is below cur:
// deciding scales down.
func (fs *fnState) recordAgain(window time.Duration, cur uint64, now time.Time) bool {
	n := len(fs.recs)
	if n == 0 {
		return false
	}
	last := fs.recs[n-1]
	if last.Expires != 0 || last.Replicas == 0 || last.At != InstantOf(fs.history[len(fs.history)-1].At) {
		return false
	}
	if fs.modes != nil {
		return fs.recordAgainModes(window, cur, now)
	}
	// Without modes (most functions) the state is untimed and recordable,
	// and three fields, kept as they are: no State is made (zeroing one
	// was a tenth of this function), copied or compared field by field.
	prev := fs.recs
	recorded, ok := fs.recordedAgain(window, cur, now)
	if !ok {
		return false
	}
	// What follows is setState(next) and keepBefore(&next, &st), next being
	// st, the state before, with the new list: nothing else moved, and never
	// the same state as st (record copies the list), so before becomes st.
	if len(recorded) > 1 {
		recorded = keepBinding(recorded, prev) // which keeps a list of one as it is
	}
	fs.recs = recorded
	if fs.before == nil {
		fs.before = new(keptState)
	}
	fs.before.recs, fs.before.lastScale, fs.before.scaleDir, fs.before.modes = prev, fs.lastScale, fs.scaleDir, nil
	return true
}

// recordAgainModes is recordAgain for a function with modes (fs.modes),
// whose state is made (fs.state) to be checked and kept.
func (fs *fnState) recordAgainModes(window time.Duration, cur uint64, now time.Time) bool {
	st := fs.state()
	if !untimed(&st) || !recordable(&st) {
		return false
	}
	prev := fs.recs
	recorded, ok := fs.recordedAgain(window, cur, now)
	if !ok {
		return false
	}
	// setState(next) and keepBefore(&next, &st), as in recordAgain.
	next := st
	next.Recommendations = keepBinding(recorded, prev)
	fs.recs = next.Recommendations
	fs.keepBefore(&next, &st)
	return true
}

// recordedAgain is the list recordAgain records (the last recommendation
// again at now), before keepBinding; false when the last decision
// stabilised and the window's highest at now is below cur.
func (fs *fnState) recordedAgain(window time.Duration, cur uint64, now time.Time) ([]Recommendation, bool) {
	prev := fs.recs
	r := Recommendation{At: InstantOf(now), Replicas: prev[len(prev)-1].Replicas}
	var recorded []Recommendation
	if len(prev) == 1 && window > 0 {
		// A steady load's list (most of them): r alone, as record then
		// keepBinding make it (r outlives the one it repeats, or that one
		// left the window), without the two-entry copy between them. Its
		// highest at now is r's: told before the spare list is written,
		// which is still fs.before's when the answer is no.
		if fs.history[len(fs.history)-1].Code == CodeStabilising && r.Replicas < cur {
			return nil, false
		}
		recorded = fs.spareList(prev)
		recorded[0] = r
		return recorded, true
	} else {
		recorded = record(prev, r, window)
	}
	if fs.history[len(fs.history)-1].Code == CodeStabilising && highest(recorded, now) < cur {
		return nil, false
	}
	return recorded, true
}

// spareList is a list of one entry for recordedAgain to write, prev's
// length: the one the state before the last decision held (fs.before),
// which recordAgain replaces with prev, when it is a list of one that is
// not prev's array, else a new one. A new list for every repeat of every
// steady busy function was the one allocation of a quiet pass at 100,000
// functions (BenchmarkTick), a tenth of a trace replay's.
//
// Writing into a list the loop held is sound because nothing else holds
// it: a State is fnState's own (record and keepBinding never write into
// the lists they are given, and copy what they keep); what leaves the loop
// holds copies (Explain's state, EvaluateNow's decision); a pass's copies
// are done with by the next (passMu), and an outcome's closure never reads
// the recommendations of the states it holds. Only a list of exactly one
// is taken, so that a long list the function no longer needs is freed.
func (fs *fnState) spareList(prev []Recommendation) []Recommendation {
	if b := fs.before; b != nil && len(b.recs) == 1 && cap(b.recs) == 1 && &b.recs[0] != &prev[0] {
		return b.recs
	}
	return make([]Recommendation, 1)
}

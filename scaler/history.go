package scaler

import "time"

// Record is one decision as kept for the explain API: only what the API
// shows. It once embedded the whole Decision (its Next state zeroed, its
// Recommended and Evidence never read) and the actuator's words, which no
// endpoint shows: 384 bytes a record, up to HistorySize per function; this
// is 128 (TestRecordKeepsOnlyWhatExplainShows).
type Record struct {
	At time.Time
	// Current → Replicas for Code, in Reason's words (empty: a quiet pass
	// made or refreshed the record; Explain words it again from the kept
	// inputs, and the next record's decision when one follows it).
	Current, Replicas uint64
	Code              ReasonCode
	Reason            string
	// Trigger is "tick" or the alert status that caused the evaluation.
	Trigger string
	// Result says what became of the proposal: none (no change wanted),
	// submitted (not decided yet), ok, or the actuator's verdict code
	// (dry_run, refused, error, raised_since, backoff, …); Error its error.
	Result string
	Error  string
	// Seq is fnState.seq's 32 bits (the actuator's outcome finds its
	// record by it); beside Scale in one word, so that a record is 128
	// bytes and the two a function keeps in a fleet of 100,000 (the
	// records budget) fill a 256-byte size class, not a 288.
	Seq   uint32
	Scale bool
}

// recordOf is the record of decision d.
func recordOf(now time.Time, trigger string, d Decision) Record {
	return Record{At: now, Current: d.Current, Replicas: d.Replicas, Code: d.Code, Reason: d.Reason, Scale: d.Scale,
		Trigger: trigger, Result: "none"}
}

func appendBounded(h []Record, r Record, n int) []Record {
	if n <= 0 {
		return nil
	}
	if len(h) >= n {
		if cap(h) > n {
			// The share fell (historybudget.go): the array's rest goes back.
			g := make([]Record, n-1, n)
			copy(g, h[len(h)-n+1:])
			return append(g, r)
		}
		copy(h, h[len(h)-n+1:])
		h = h[:n-1]
	} else if len(h) == cap(h) {
		// Grow by doubling but never past n: append's own growth took a
		// history of 50 to a capacity of 64, a quarter more than it holds.
		g := make([]Record, len(h), min(n, max(2*cap(h), 1)))
		copy(g, h)
		h = g
	}
	return append(h, r)
}

// keepBinding drops the stabilisation recommendations that can no longer
// bind: one that a later recommendation at least as high outlives (it is in
// the window at least as long and expires no sooner). The highest
// recommendation in force at any later time is unchanged, so decisions are
// too; what changes is the length, which for a function whose load holds
// steady is one entry instead of a down window's worth (24 at 2 m and 5 s),
// each of them copied by every decision. next is the decision's new list;
// prev the one it was made from, which is never written.
func keepBinding(next, prev []Recommendation) []Recommendation {
	if len(next) < 2 {
		return next
	}
	drop := false
	for i := 1; i < len(next) && !drop; i++ {
		drop = dominated(next[i-1], next[i])
	}
	if !drop {
		return next // nothing to drop (checking neighbours suffices for a list this keeps)
	}
	out := next
	if len(prev) > 0 && (&prev[0] == &next[0] || &prev[len(prev)-1] == &next[len(next)-1]) {
		// prev itself or a suffix of it (record only shortened it): never written.
		out = make([]Recommendation, 0, len(next))
	}
	// A monotonic stack: each recommendation removes the earlier ones it
	// dominates from the top.
	k := 0
	for _, r := range next {
		for k > 0 && dominated(out[k-1], r) {
			k--
		}
		if k < len(out) {
			out[k] = r
		} else {
			out = append(out, r)
		}
		k++
	}
	return out[:k]
}

// sameState reports whether a and b hold the same values, their
// recommendations the same slice (record always copies: a new slice is a
// new history, so comparing the slice, not its items, is enough).
func sameState(a, b *State) bool {
	ra, rb := a.Recommendations, b.Recommendations
	sameRecs := len(ra) == len(rb) && (len(ra) == 0 || &ra[0] == &rb[0])
	return sameRecs && a.LastScale == b.LastScale && a.LastScaleDir == b.LastScaleDir &&
		a.BurstSince == b.BurstSince && a.BurstCrossed == b.BurstCrossed &&
		a.StepKey == b.StepKey && a.StepAt == b.StepAt && a.PrevStepKey == b.PrevStepKey && a.PrevStepAt == b.PrevStepAt && a.RampFrom == b.RampFrom && a.RampStart == b.RampStart && a.StepFoundAt == b.StepFoundAt && a.StepRuleAt == b.StepRuleAt && a.StepRuleRepeats == b.StepRuleRepeats &&
		a.StepDropOwed == b.StepDropOwed && a.StepDropFrom == b.StepDropFrom && a.StepDropHeld == b.StepDropHeld &&
		a.AlertLoadAt == b.AlertLoadAt && a.AlertBase == b.AlertBase && a.AlertLoadKey == b.AlertLoadKey
}

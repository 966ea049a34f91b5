package idler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// CycleReport is what one cycle saw and did.
type CycleReport struct {
	At        time.Time
	Functions int
	// Queries is the number of Activity queries issued: one per distinct
	// keep-alive among candidates, plus one re-check when something was idle.
	Queries  int
	Idled    []provider.Ref
	Restored []provider.Ref
	Refused  []provider.Ref
	// Skipped counts final verdicts other than idle, by code.
	Skipped map[Code]int
	// Verdicts holds the final verdict of each function the cycle worked
	// on, in listing order: all but those whose verdict their labels alone
	// give (not opted in, invalid labels; answersAsListed), which the
	// cycle answers as it lists them (Skipped counts them; VerdictOf
	// and the explain API give each one's). Valid until the idler's next
	// cycle, which reuses its array (copy it to keep it longer). The
	// Reason of an active or in-flight verdict is empty here (worded for
	// every running function every cycle, it was read for none):
	// VerdictOf and the explain API word it.
	Verdicts []FunctionVerdict
	// Err is set when the cycle could not list functions (nothing was done).
	Err error

	d *Idler
}

// VerdictOf is ref's verdict in this cycle, from Verdicts or, for a
// function answered as listed, from its explanation; false when the cycle
// did not list it. Valid until the idler's next cycle.
func (r CycleReport) VerdictOf(ref provider.Ref) (Verdict, bool) {
	for _, v := range r.Verdicts {
		if v.Ref == ref {
			if v.Reason == "" && (v.Code == CodeActive || v.Code == CodeInflight) && r.d != nil {
				if x, ok := r.explained(ref); ok {
					v.Reason = x.words() // unworded in Verdicts (work.decide)
				}
			}
			return v.Verdict, true
		}
	}
	x, ok := r.explained(ref)
	if !ok {
		return Verdict{}, false
	}
	return Verdict{Code: codeOf(x.code), Reason: x.words()}, true
}

// explained is a copy of ref's explanation, made by this cycle; false when
// the cycle did not explain it (or the next cycle has begun).
func (r CycleReport) explained(ref provider.Ref) (explained, bool) {
	if r.d == nil {
		return explained{}, false
	}
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	st, ok := r.d.state[ref]
	if !ok {
		return explained{}, false
	}
	x := st.explain
	if x.code == 0 || !r.d.explainedAt(&x).Equal(r.At) || st.seen != uint32(r.d.cycles) {
		return explained{}, false
	}
	if x.more != nil {
		m := *x.more // the next cycle overwrites it in place
		x.more = &m
	}
	return x, true
}

// FunctionVerdict is one function's verdict in a cycle.
type FunctionVerdict struct {
	Ref provider.Ref
	Verdict
}

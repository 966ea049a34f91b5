package idler

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Pending is the idle section of a function no cycle of this term has
// explained yet (Explain). The first cycle of a term explains most
// functions only as it ends, minutes after the term began at 10,000
// functions: without it, the section was absent all that while, and an
// operator asking why a function was not idled right after a restart got
// nothing. It says what is true instead: when the term began, and when
// its first cycle is due, since when it is in progress, or why the last
// one explained nothing (its listing failed).
type Pending struct {
	Function string `json:"function"`
	// Pending is always true: a consumer reading the section tells it
	// from an Explanation by it (a Code would be a verdict, which this is
	// not, and the Codes are metric labels).
	Pending bool   `json:"pending"`
	Reason  string `json:"reason"`
	// Since is when the term began (NewTerm, or Run without it).
	Since time.Time `json:"since"`
	// CycleStartedAt is when the first cycle in progress began.
	CycleStartedAt time.Time `json:"cycle_started_at,omitzero"`
	// NextCycleAt is when Run starts the next cycle (none in progress).
	NextCycleAt time.Time `json:"next_cycle_at,omitzero"`
	// ListError is the listing error of this term's last cycle, which
	// explained nothing.
	ListError string `json:"list_error,omitempty"`
}

// termState is what the idler knows of its term before the term's first
// cycle has explained the functions (guarded by Idler.mu).
type termState struct {
	// at is when the term began; zero outside a term (never started, or
	// Run ended), when Explain answers nothing before a cycle explained.
	at time.Time
	// firstCycle is Idler.cycles as the term began: the term's cycles are
	// numbered after it, so a state listed by the cycle in progress is
	// this term's, and one kept from a former term's last cycle is not.
	firstCycle uint64
	// cycleSince is the now of the cycle in progress (zero: none).
	cycleSince time.Time
	// next is when Run starts the next cycle (zero: Run is not waiting).
	next time.Time
	// listErr is this term's last listing error (cleared by a listing).
	listErr string
	// listedNot: a listing of this term failed (kept after one succeeds):
	// the cycle in progress is then not the term's first, and is not
	// worded as it.
	listedNot bool
}

// beginTerm starts a term at now; d.mu is held.
func (d *Idler) beginTerm(now time.Time) {
	d.term = termState{at: now, firstCycle: d.cycles}
}

// cycleInProgress says a cycle began at since (zero: it ended), for
// Explain while the term's first cycle runs.
func (d *Idler) cycleInProgress(since time.Time) {
	d.mu.Lock()
	d.term.cycleSince = since
	d.mu.Unlock()
}

// listFailed keeps why the cycle explained nothing, for Explain until a
// cycle of the term lists the functions (prepare clears it).
func (d *Idler) listFailed(err error) {
	d.mu.Lock()
	d.term.listErr, d.term.listedNot = err.Error(), true
	d.mu.Unlock()
}

// thisCycleMade says whether st's explanation was made by this term's
// cycle in progress: a function that cycle answered as it listed it (its
// labels alone give its verdict: answersAsListed) is explained before the
// cycle ends. d.mu is held.
func (d *Idler) thisCycleMade(st *fnState) bool {
	return d.cycles > d.term.firstCycle && st.seen == uint32(d.cycles) && !st.explain.stale && st.explain.code != 0
}

// pending is ref's idle section before the term's first cycle has
// explained the functions; d.mu is held.
func (d *Idler) pending(ref provider.Ref) Pending {
	p := Pending{Function: ref.String(), Pending: true, Since: d.term.at, ListError: d.term.listErr}
	p.Reason = d.pendingWords()
	if !d.term.cycleSince.IsZero() {
		p.CycleStartedAt = d.term.cycleSince
	} else {
		p.NextCycleAt = d.term.next
	}
	return p
}

// pendingWords says why no cycle of the term has explained the functions
// yet; d.mu is held.
func (d *Idler) pendingWords() string {
	const at = time.RFC3339
	t := &d.term
	switch {
	case !t.cycleSince.IsZero() && t.listErr != "":
		// Another cycle after a failed listing, its own listing not
		// answered yet (up to the call timeout on a hanging provider):
		// worded as the term's first cycle, the error was dropped for
		// that long, and NotListed named a cycle in progress only.
		return fmt.Sprintf("the idler's cycles since its term began (%s) could not list the functions (%s): another is in progress since %s, and explains them as it ends if it lists them",
			t.at.UTC().Format(at), t.listErr, t.cycleSince.UTC().Format(at))
	case !t.cycleSince.IsZero() && t.listedNot:
		return fmt.Sprintf("the idler's first cycle to list the functions since its term began (%s) is in progress since %s: it explains them as it ends",
			t.at.UTC().Format(at), t.cycleSince.UTC().Format(at))
	case !t.cycleSince.IsZero():
		return fmt.Sprintf("the idler's first cycle since its term began (%s) is in progress since %s: it explains the functions as it ends",
			t.at.UTC().Format(at), t.cycleSince.UTC().Format(at))
	case t.listErr != "" && !t.next.IsZero():
		return fmt.Sprintf("the idler's cycles since its term began (%s) could not list the functions (%s): the next is due at %s",
			t.at.UTC().Format(at), t.listErr, t.next.UTC().Format(at))
	case t.listErr != "":
		return fmt.Sprintf("the idler's cycles since its term began (%s) could not list the functions (%s)", t.at.UTC().Format(at), t.listErr)
	case !t.next.IsZero():
		return fmt.Sprintf("no cycle of the idler's has run since its term began (%s): the first is due at %s",
			t.at.UTC().Format(at), t.next.UTC().Format(at))
	}
	return fmt.Sprintf("the idler's term began at %s and its cycles have not started yet", t.at.UTC().Format(at))
}

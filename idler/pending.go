package idler

import (
	"fmt"
	"slices"
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
// one explained nothing (its listing failed). A function deployed after
// that cycle has one too until a cycle explains it (unexplained), and one
// deployed again under its name while the cycle that lists it again runs;
// between two cycles the idler has not listed the new one, so it shows its
// predecessor's explanation, dated before it.
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

// termState is what the idler knows of its term's cycles for a function
// no cycle has explained: before the term's first cycle has explained the
// functions (pending), and after, for one deployed since (unexplained)
// (guarded by Idler.mu).
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
	// cycleListed: the cycle in progress has listed the functions
	// (prepare): a function it did not list waits for the cycle after.
	cycleListed bool
	// next is when Run starts the next cycle (zero: Run is not waiting,
	// or a cycle has begun since and Run has not timed the next one).
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
// Explain while a cycle runs.
func (d *Idler) cycleInProgress(since time.Time) {
	d.mu.Lock()
	d.term.cycleSince, d.term.cycleListed = since, false
	if !since.IsZero() {
		// The cycle due then runs: once it ends, until Run times the
		// next, no next run is known (not this one's, past by then).
		d.term.next = time.Time{}
	}
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

// unexplained is the idle section of a function no cycle has explained
// though the term's first cycle has explained the functions: one deployed,
// or deployed again, since the last cycle listed them (listed: the cycle
// in progress listed it, and its explanation, or its predecessor's that
// renew dropped, is to come as that cycle ends). Without it the section
// was absent until the next cycle ended, minutes at 10,000 functions,
// while the scaler's fresher listing already showed the function. Outside
// a term (no next cycle known) and for a namespace no cycle lists, none.
// d.mu is held.
func (d *Idler) unexplained(ref provider.Ref, listed bool) (any, bool) {
	if d.term.at.IsZero() || (!listed && !d.listsNamespace(ref.Namespace)) {
		return nil, false
	}
	p := Pending{Function: ref.String(), Pending: true, Since: d.term.at, Reason: d.unexplainedWords(listed)}
	if !listed {
		p.ListError = d.term.listErr // the cycles since the last listing could not list
	}
	if !d.term.cycleSince.IsZero() {
		p.CycleStartedAt = d.term.cycleSince
	} else {
		p.NextCycleAt = d.term.next
	}
	return p, true
}

// listsNamespace says whether the idler's cycles list ns (all namespaces
// when none is configured): one outside them is never explained, and a
// Pending would promise it is.
func (d *Idler) listsNamespace(ns string) bool {
	return len(d.cfg.Namespaces) == 0 || slices.Contains(d.cfg.Namespaces, ns)
}

// unexplainedWords says why no cycle has explained a function though the
// term's first cycle has explained the functions (unexplained); d.mu is
// held.
func (d *Idler) unexplainedWords(listed bool) string {
	const at = time.RFC3339
	t := &d.term
	const none = "no cycle of the idler's has explained this function yet: "
	switch {
	case listed && !t.cycleSince.IsZero():
		return fmt.Sprintf(none+"deployed, or deployed again, since its cycle at %s; the cycle in progress since %s listed it and explains it as it ends",
			d.prevCycleAt.UTC().Format(at), t.cycleSince.UTC().Format(at))
	case listed:
		// A cycle that listed it and never ended (it panicked).
		return fmt.Sprintf(none+"its cycle at %s listed it but did not end%s", d.cycleAt.UTC().Format(at), dueWords(t.next))
	case !t.cycleSince.IsZero() && t.cycleListed:
		return fmt.Sprintf(none+"the cycle in progress since %s listed the functions without it; the cycle after explains it if it lists it",
			t.cycleSince.UTC().Format(at))
	case !t.cycleSince.IsZero():
		return fmt.Sprintf(none+"its last cycle to list the functions (at %s) listed them without it; the cycle in progress since %s explains it as it ends if it lists it",
			d.cycleAt.UTC().Format(at), t.cycleSince.UTC().Format(at))
	case t.listErr != "":
		return fmt.Sprintf(none+"its last cycle to list the functions (at %s) listed them without it, and the cycles since could not list them (%s)%s",
			d.cycleAt.UTC().Format(at), t.listErr, dueWords(t.next))
	}
	return fmt.Sprintf(none+"its last cycle (at %s) listed the functions without it%s", d.cycleAt.UTC().Format(at), dueWords(t.next))
}

// dueWords says when the next cycle is due ("" when Run has not timed it).
func dueWords(next time.Time) string {
	if next.IsZero() {
		return ""
	}
	return "; the next is due at " + next.UTC().Format(time.RFC3339)
}

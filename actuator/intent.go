package actuator

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Component names who proposed an intent. The set is small and fixed: it is a
// metric label value.
type Component string

const (
	Scaler  Component = "scaler"  // the reconcile loop
	Idler   Component = "idler"   // scale to zero
	Restore Component = "restore" // the idler raising a function found at zero (scheduled min, maintain-min)
	PreWarm Component = "prewarm" // the adaptive keep-alive's pre-warm
)

// Components lists every Component that proposes in the controller.
var Components = []Component{Scaler, Idler, Restore, PreWarm}

// Intent is a proposal to change one function's desired replicas.
type Intent struct {
	Ref provider.Ref
	// From is the desired count the proposer saw; To the count it wants.
	From, To uint64
	Who      Component
	// Code is the proposer's own reason code and Reason its words.
	Code   string
	Reason string
	// Observed is when From was read (the listing or read the proposal rests on).
	Observed time.Time
	// EvidenceFrom is the start of the oldest evidence the proposal rests on
	// (now − the load window it used); zero when not applicable. A wake from
	// zero whose evidence began before the function was idled may be load
	// that the idle already accounted for.
	EvidenceFrom time.Time
	// Max is the function's com.openfaas.scale.max (0: not known); a count
	// above it is refused.
	Max uint64
	// ScheduledMin is the scheduled minimum active when the intent was made;
	// a scale to zero under one is dropped.
	ScheduledMin uint64
	// Created is the function's creation time as the proposer listed it
	// (provider.Function.CreatedAt; zero when unknown). A later one than
	// the actuator has seen for the name is a new function deployed under
	// it: the actuator forgets what it kept of the old one (its last write,
	// back-off, refused count and recent outcomes) before running the
	// intent.
	Created time.Time
}

// Up reports whether the intent raises the count it was made on.
func (in Intent) Up() bool { return in.To > in.From }

func (in Intent) String() string {
	return fmt.Sprintf("%s %s %d→%d (%s)", in.Who, in.Ref, in.From, in.To, in.Code)
}

// Code is the actuator's verdict on an intent. The set is small and fixed:
// a metric label value, and the "arbitration" of the explain API.
type Code string

const (
	CodeApplied       Code = "applied"        // the provider took the count
	CodeUnchanged     Code = "unchanged"      // the function already has that count
	CodeDryRun        Code = "dry_run"        // would apply; --dry-run
	CodeNotLeader     Code = "not_leader"     // this replica does not lead
	CodeFiltered      Code = "filtered"       // namespace not managed (--namespaces)
	CodeAboveMax      Code = "above_max"      // above the function's max
	CodeScheduledMin  Code = "scheduled_min"  // zero while a scheduled minimum is active
	CodeRaisedSince   Code = "raised_since"   // a lower count, but someone raised the function after the proposer looked
	CodeStaleEvidence Code = "stale_evidence" // a wake from zero on evidence older than the idle
	CodeChanged       Code = "changed"        // the count changed since the proposer looked; a lower count is re-decided, not forced
	CodeAlreadyHigher Code = "already_higher" // a raise, but the function is already at or above it
	CodeSuperseded    Code = "superseded"     // a competing intent replaced it before it ran
	CodeStopped       Code = "stopped"        // the worker pool stopped (end of the leadership term, shutdown) before it ran
	CodeBackoff       Code = "backoff"        // the function's calls failed recently; waiting
	CodeRefused       Code = "refused"        // the provider refused this count recently
	CodeGone          Code = "gone"           // the function no longer exists
	CodeError         Code = "error"          // the call failed
)

// Codes lists every Code, for pre-initialising metric series.
var Codes = []Code{CodeApplied, CodeUnchanged, CodeDryRun, CodeNotLeader, CodeFiltered, CodeAboveMax,
	CodeScheduledMin, CodeRaisedSince, CodeStaleEvidence, CodeChanged, CodeAlreadyHigher, CodeSuperseded,
	CodeStopped, CodeBackoff, CodeRefused, CodeGone, CodeError}

// Outcome is what became of one intent.
type Outcome struct {
	Intent Intent
	Code   Code
	Reason string
	// Applied is true when the provider now has the count (it took it, or
	// already had it); DryRun outcomes are not applied.
	Applied bool
	// From and To are the counts written over and written (To = Intent.To)
	// when applied; From differs from Intent.From after a re-read.
	From, To uint64
	// Current is the freshest count the actuator knows after the attempt.
	Current uint64
	// Available is how many replicas the provider reported available to
	// serve when a conditional write found the count changed
	// (provider.ConflictError.Available; HasAvailable). Without a conflict
	// the actuator reads no availability, and says none.
	Available    uint64
	HasAvailable bool
	Err          error
	At           time.Time
	// RefusedUntil is, for a CodeRefused outcome, when the actuator asks
	// the provider for the count again at the earliest: the end of
	// actuator.refused_backoff from the provider's refusal, which a dropped
	// intent (Err nil: refused before, no call made) does not restart. A
	// proposer with a back-off of its own says the later of the two.
	RefusedUntil time.Time
	// stopped: the call failed because the caller's context ended (the
	// pool stopping), which says nothing about the function's calls.
	stopped bool
	// sent is when the write was sent (zero when none was): it may land
	// any time from then on, long before its reply (At) comes back.
	sent time.Time
}

// Stopped reports whether o's intent was left unfinished because the
// actuator stopped or its caller's context ended (the end of a leadership
// term, shutdown): CodeStopped, a call cancelled in flight (CodeError, which
// the actuator records without a back-off: it may or may not have landed),
// or Apply giving up waiting. A proposer counts it as the term's end, not
// as a failure of the function's calls.
func (o Outcome) Stopped() bool { return o.Code == CodeStopped || o.stopped }

// Write is a successful change the actuator made.
type Write struct {
	Who  Component `json:"who"`
	From uint64    `json:"from"`
	To   uint64    `json:"to"`
	// At is when the provider's reply came; Sent when the call began. The
	// write landed somewhere between: on a slow provider (a loaded API
	// server) a listing made after Sent may already show To. Decided is
	// the intent's Observed, the read its proposer decided on (zero:
	// unknown): the load a scale to zero judged ends there, however long
	// the intent then waited in the queue (Arbitrate's stale evidence).
	At      time.Time `json:"at"`
	Sent    time.Time `json:"-"`
	Decided time.Time `json:"-"`
}

// Raised reports whether the write increased the count.
func (w Write) Raised() bool { return w.To > w.From }

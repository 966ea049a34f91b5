// Package scaler owns the scaling decision: label parsing into a validated
// Spec, the pure Decide function that turns a spec, an observation and the
// function's decision history into a replica target with a reason, the
// stabilisation windows, and the reconcile loop that applies decisions through
// a provider. It knows nothing of HTTP or PromQL.
//
// Decide, in target modes (rps, capacity, cpu, queue, custom), computes
// ceil(load / (target × target-proportion)) from the function's total load
// (the stable window's, or the burst window's where that is higher and
// needs more than the current count or the stable one would scale down: up
// on the freshest evidence, and never down below it; with the stable
// reading missing, the burst window's only to scale up), then, in order:
// burst mode (the short-window load needs ≥ burst-threshold × the ready
// replicas' capacity: go at once to what it needs and do not scale down
// until a full stable window passes without another crossing, as Knative's
// panic mode; the down window then holds the count it held, as far as the
// source's readings asked for it, as after any scale-up); a ±tolerance dead band around the current replicas'
// capacity; scale-down only to the highest recommendation of the down window;
// rate limits per evaluation (up to max(2×, +4), down to at most half); and
// the bounds [max(min, 1, scheduled minimum), max]. The Decision's code names
// whichever step bound the result.
//
// Zero belongs to the idler: a running function never goes below 1 here,
// even with min 0, and a function at zero is left there until it has load or
// a firing alert (then it wakes to what the load needs, at least max(min, 1),
// without a rate limit, and the down window holds what the load needed like
// any scale-up). Missing load never scales anything down, and a reading that
// is no amount of load (NaN, ±Inf, negative) is missing.
//
// Step mode (type=step) follows alerts as the OpenFaaS gateway did, but steps
// down gradually over the down window after a resolved alert (and after a
// start, a new term or a function deployed again, a count found above the
// floor with no firing alert for one down window: State.StepFoundAt); ExactCE
// reproduces the CE gateway's CalculateReplicas. A drop that ends the way
// down (the ramp's last, exact CE's on a resolution or on the generated
// alert's lapse) and is not applied is asked for again on a later pass:
// the resolution is not sent again; not once the function was raised
// above the count it was decided on (by the
// controller after the decision, or by hand) or deployed again: the raise
// is the newer intent, the new function never had the alert. The
// controller's own earlier write, which the decision's read had not seen
// yet (a lagging cache, a write in flight), is no such raise; and exact
// CE's drop (a resolution's, or the generated alert's lapse) held by an
// active scheduled minimum stays owed until it ends, whether it found the
// function at the schedule's count or took it there, and leaves a raise
// above the count a pass read it held at alone.
// A new leadership term starts exact CE's state afresh, as at a process
// start: a drop owed when a term ended is not carried into the next. A
// firing alert with the same fingerprint and StartsAt as the last one acted
// on, within StepDedup, is a duplicate or a retry and adds nothing; so is one the webhook marks as a
// retry of a notification (Signal.RetryOf) stepped on since it was first
// received, however late AlertManager retries it. An alert without a scaling_type
// (OpenFaaS CE's) adds nothing while the generated step alert has been seen
// firing within StepRuleEvidence: a lost resolution of the generated alert
// then silences CE's for a minute, not for good.
//
// The Loop evaluates every function each Interval with one Load query per
// (type, window) in use, and signalled functions at once (Notify coalesces
// them). Passes are serialised, so one function never has two Scale calls in
// flight, and a function's State is only touched by one pass at a time. A
// tick repeats, without deciding, the last decision of a function at zero
// whose inputs are those it was made on (repeat.go): at zero, Decide reads
// no clock, so the decision, its record and its count are the same. So does
// a running function's steady, within-tolerance or stabilising decision on
// the same readings, recording its recommendation again at the tick's time
// as deciding would (while a stabilising one's window still holds the
// count).
//
// A function listed with a later creation time than the one its state was
// made with (deleted and deployed again under its name between two
// listings) is a new function, first seen: its state starts afresh (the
// listed count as its one recommendation, no modes, no records), and what
// the loop kept of the old one goes with it (a follow-up, its own exact CE
// write, the outcomes of its intents, which are kept for the state they
// were decided on only). A queued alert stays: it is about the name's
// series in the gateway's metrics, which the new deployment inherits.
// Intents name the state's creation time (the latest listed), so the
// actuator never writes an old function's decision to the new one. A
// creation time the provider does not give keeps the state.
package scaler

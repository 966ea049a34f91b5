package scaler

import (
	"fmt"
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// decideTarget handles the target modes (rps, capacity, cpu, queue, custom).
// spec, obs and st are Decide's copies, by pointer (they were copied again
// at every call, a decision's largest cost after its words): obs is
// changed (an alert's burst reading), the others only read.
func decideTarget(spec *Spec, obs *Observation, st *State, now time.Time) Decision {
	cur := obs.Replicas
	per := spec.PerReplicaTarget()
	d := Decision{Replicas: cur, Next: *st}
	// A reading that is no amount of load (NaN, ±Inf, below zero) is
	// missing, not zero: ceil(NaN / target) read as 0 and halved a running
	// function on a reading that says nothing. The sources drop NaN and
	// ±Inf already; this holds whatever the source.
	rawStable := obs.StableLoad
	obs.StableLoad, obs.BurstLoad, obs.Queued = loadOrNil(obs.StableLoad), loadOrNil(obs.BurstLoad), loadOrNil(obs.Queued)
	load, src := obs.StableLoad, ""
	if !obs.quiet {
		src = stableSource(*spec, obs.StableWindow, obs.StablePart)
	}
	// An alert's load counts only while the alert fires, and only when it
	// measures this function's type (its labels may have changed since the
	// rule fired). A resolved alert's load is the last value seen while it
	// fired: when Prometheus has no data (down, so AlertManager resolved its
	// alerts at their end), standing in for the stable load it would scale
	// on a number nothing measures any more.
	alertLoad := obs.Signal != nil && obs.Signal.Status == Firing && loadOrNil(obs.Signal.Load) != nil &&
		(obs.Signal.ScalingType == "" || obs.Signal.ScalingType == spec.Type)
	fromAlert := false
	// Standing in for a missing stable reading, an alert's load only
	// scales up (or wakes a function at zero), as the burst reading does
	// then: it went down the normal path, and one notification during a
	// Prometheus outage halved a function whose alert carried a load below
	// what its count served (keep_firing_for after the load fell, a
	// replicas gauge behind a scale-up). Missing data never scales down.
	if load == nil && alertLoad && (cur == 0 || replicasFor(*obs.Signal.Load, per) > cur) {
		load, src, fromAlert = obs.Signal.Load, " (from the alert)", true
	}
	if obs.StableLoad != nil {
		// Prometheus has data: decisions rest on it from now on.
		d.Next.AlertLoadAt, d.Next.AlertBase = time.Time{}, 0
	}
	// An alert instance's load is burst evidence on the notification that
	// first brings it. AlertManager's repeats carry it as Prometheus last
	// sent it, up to its resend delay (a minute) old: taken as the freshest
	// reading, a repeat scaled a function up after its load had fallen,
	// while the source's own burst reading was fresh. Without one the
	// alert's is all there is, repeat or not.
	freshAlertLoad := alertLoad
	if alertLoad {
		key := stepKey(obs.Signal)
		freshAlertLoad = obs.BurstLoad == nil || key != st.AlertLoadKey
		d.Next.AlertLoadKey = key
	}
	// A firing alert's load is the freshest short-window reading there is
	// (the rule's window is a few scrapes): it is burst evidence, so the
	// evaluation it triggers reacts to the step it reports instead of
	// waiting for the controller's burst window to fill.
	var target string // reason words; none for a quiet observation
	if !obs.quiet {
		target = targetWords(spec.Target, spec.TargetProportion)
	}
	// The burst reading's words, made where a reason names it (most loud
	// decisions do not): burstWords.
	burstSrc := burstSource{window: obs.BurstWindow, part: obs.BurstPart, quiet: obs.quiet}
	if freshAlertLoad && (obs.BurstLoad == nil || *obs.Signal.Load > *obs.BurstLoad) {
		obs.BurstLoad, burstSrc.alert, fromAlert = obs.Signal.Load, true, true
		obs.BurstPart = metricsource.PartUnknown // the alert's reading, not the source's
	}
	if fromAlert && obs.StableLoad == nil {
		if d.Next.AlertLoadAt.IsZero() {
			d.Next.AlertBase = cur
		}
		d.Next.AlertLoadAt = now
	}

	if cur == 0 {
		return wakeFromZero(spec, obs, d, load, per, target, now)
	}
	if load == nil && obs.BurstLoad != nil && replicasFor(*obs.BurstLoad, per) > cur {
		// The stable reading is missing (its own query failed, or the
		// source would not average over a gap) while the burst window
		// needs more than the current count: scale up on it, as on any
		// burst reading above the stable one. Only up: a burst reading
		// that needs no more than cur leaves the count to the no-data
		// hold below (held at 2 on a burst needing 9 until the stable
		// query came back).
		load = obs.BurstLoad
		if !obs.quiet {
			src = " (" + burstSrc.words() + "; " + noLoad("stable", rawStable) + ")"
		}
		if !burstSrc.alert {
			// The count now rests on the source's own reading, which the
			// down window holds, not on an alert's load: the alert's
			// expiry must not take it back to the count before the alert
			// (it took 8, set on a burst reading, to 3 inside the window).
			d.Next.AlertLoadAt, d.Next.AlertBase = time.Time{}, 0
		}
	}
	if load == nil {
		if at := d.Next.AlertLoadAt; !at.IsZero() && now.Sub(at) >= alertEvidence(*obs) && !obs.LoadFailed && obs.LowerBound == "" {
			// The count rests only on an alert's load, now past its
			// evidence window: back to the count before it (issue 15, item 6).
			// Not while the load query failed (LoadFailed), nor while a
			// gateway instance is not scraped (LowerBound: the function's
			// series may be that instance's alone): the source
			// cannot confirm or refute it then, and going back was a
			// scale-down on missing data (a Prometheus outage).
			base := d.Next.AlertBase
			d.Next.AlertLoadAt, d.Next.AlertBase = time.Time{}, 0
			// No lower than the source's burst reading needs (here it
			// needs no more than cur): the stable reading is missing,
			// the fresh one is not, and it went back to 2 under a burst
			// reading needing 7.
			var burstNote string
			if obs.BurstLoad != nil {
				if need := replicasFor(*obs.BurstLoad, per); need > base {
					base = need
					if !obs.quiet {
						burstNote = fmt.Sprintf(", which the burst reading %.4g %s needs", *obs.BurstLoad, burstSrc.words())
					}
				}
			}
			if base < cur {
				v, code, why, changed := clamp(spec, obs, base)
				d.Replicas, d.Code = v, CodeNoData
				d.Reason = fmt.Sprintf("%s; the alert's load of %s expired after %v with no data to confirm it: back to %d%s",
					noLoad(spec.Type, rawStable), at.Format(time.TimeOnly), alertEvidence(*obs), base, burstNote)
				if changed {
					// The bound sets the count, and the code names it, as
					// on the ordinary no-data path (a review's finding).
					d.Code = code
					d.Reason = fmt.Sprintf("%s; %s → %d", d.Reason, why, v)
				}
				return d
			}
		}
		v, code, why, changed := clamp(spec, obs, cur)
		if !changed {
			d.Code = CodeNoData
			if !obs.quiet {
				d.Reason = fmt.Sprintf("%s: keep %d", noLoad(spec.Type, rawStable), cur)
			}
			return d
		}
		d.Replicas, d.Code = v, code
		d.Reason = fmt.Sprintf("%s; %s → %d", noLoad(spec.Type, rawStable), why, v)
		return d
	}
	// Scale up on the freshest evidence, down only on the stable average (the
	// HPA's asymmetry: no up-stabilisation, a down window). A stable average
	// lags a load step by up to its whole window; the burst window (or the
	// alert's own short window) does not. Capacity added this way is held by
	// the down window, so a short spike costs replicas for one window, never
	// a flap. Nor does a scale-down go below what the burst reading needs:
	// the stable average decides that the count goes down, the higher
	// fresh reading how far (down to 5 on a stable average needing 3
	// while the last seconds needed 9, and back up at the next look).
	if burstOver(load, obs.BurstLoad, per, cur) {
		load = obs.BurstLoad
		if !obs.quiet {
			src = " (" + burstSrc.words() + ")"
		}
	}

	rec := replicasFor(*load, per)
	d.Recommended = rec
	ready := obs.Available
	var head string
	if !obs.quiet {
		head = headWords(spec.Type, *load, src, target, ready)
	}

	// Burst (Knative's panic mode): the short window needs far more than the
	// ready replicas can serve. Ends after a full stable window without a crossing.
	stable := obs.StableWindow
	if stable <= 0 {
		stable = defaultStableWindow
	}
	var burstRec uint64
	if obs.BurstLoad != nil {
		burstRec = replicasFor(*obs.BurstLoad, per)
		if crossesBurst(spec, *obs.BurstLoad, ready, per) {
			if d.Next.BurstSince.IsZero() {
				d.Next.BurstSince = now
			}
			d.Next.BurstCrossed = now
		}
	}
	if !d.Next.BurstSince.IsZero() && now.Sub(d.Next.BurstCrossed) >= stable {
		d.Next.BurstSince, d.Next.BurstCrossed = time.Time{}, time.Time{}
	}
	// The window remembers what burst mode asked for too, so the capacity a
	// burst brought is kept for a down window after the burst ends.
	recorded := rec
	// Within the tolerance band the count is kept, and the window records
	// it, as the HPA records the current count then: recording rec (below
	// it) let one reading just under the band drop a function the band
	// had held for minutes straight to that lower need (100 → 91 on one
	// 5 s dip: a review's finding).
	inBand := withinTolerance(spec, *load, per, cur)
	if inBand {
		recorded = max(rec, cur)
	}
	// Only a need read from an alert's load expires with the alert's
	// evidence; one read from the source's own reading is held for the
	// down window whatever alert came with it (a scale to 20 on the stable
	// reading, the alert's load needing 10, was halved 65 s later: a
	// review's finding).
	// The need rests on the alert when the load it was read from is the
	// signal's own: as the burst reading (burstSrc.alert) or standing in
	// for a missing stable one (a repeat's too: recorded without an
	// expiry, the down window held it its whole length, a review's
	// finding).
	onAlert := obs.Signal != nil && obs.Signal.Load != nil && load == obs.Signal.Load
	var sourceHeld uint64 // burst mode's hold by the source, recorded beside an alert's need above it
	if !d.Next.BurstSince.IsZero() {
		onAlert = onAlert || burstSrc.alert && burstRec > recorded // the burst's part is the alert's
		recorded = max(recorded, burstRec)
		// Burst mode holds cur (it never scales down), and the window
		// keeps that for a down window after the burst ends, not only
		// the need of each reading: after the last crossing that need
		// is the fallen one, and the 20 a burst brought went 20 → 10 a
		// down window after the last crossing, at the very evaluation
		// the burst ended with a down window of one stable window (a
		// review's finding). Only as much of cur as a need the source
		// read holds in the window: the part an alert's load alone set
		// expires with its evidence, as recorded (a webhook's number is
		// not held a down window past the burst), and only a need read
		// since the burst began: one read before it, renewed at every
		// pass, held a count a down window past its own (a review's
		// finding).
		if held := min(cur, heldBySource(st.Recommendations, d.Next.BurstSince, now, spec.DownWindow)); held >= recorded {
			recorded, onAlert = held, false // the source's need holds it, without expiry
		} else if onAlert {
			// The alert's need, above the hold, expires with its
			// evidence; the hold is renewed beside it. Left to the
			// earlier passes' records, it ended a down window after the
			// pass before this one: when this was burst mode's last, one
			// pass inside the down window after the burst (a review's
			// finding).
			sourceHeld = held
		}
	}
	r := Recommendation{At: InstantOf(now), Replicas: recorded}
	if onAlert {
		r.Expires = InstantOf(now.Add(alertEvidence(*obs)))
	}
	recs := st.Recommendations
	if sourceHeld > 0 {
		recs = record(recs, Recommendation{At: r.At, Replicas: sourceHeld}, spec.DownWindow)
	}
	d.Next.Recommendations = record(recs, r, spec.DownWindow)
	if !d.Next.BurstSince.IsZero() {
		want := max(cur, rec, burstRec)
		d.Replicas, d.Code = want, CodeBurst
		if obs.BurstLoad != nil {
			d.Reason = fmt.Sprintf("%s; burst %.4g %s needs %d (burst since %s, no scale-down) → %d",
				head, *obs.BurstLoad, burstSrc.words(), burstRec, d.Next.BurstSince.Format(time.TimeOnly), want)
		} else {
			// Not a reading of 0: the burst query failed while burst mode
			// holds the count.
			d.Reason = fmt.Sprintf("%s; burst reading missing (burst since %s, no scale-down) → %d",
				head, d.Next.BurstSince.Format(time.TimeOnly), want)
		}
		if v, code, why, changed := clamp(spec, obs, want); changed {
			d.Replicas, d.Code = v, code
			d.Reason = fmt.Sprintf("%s; %s → %d", d.Reason, why, v)
		}
		return d
	}

	capacity := float64(cur) * per
	want, code, why := rec, CodeScaleUp, ""
	loud := !obs.quiet
	switch {
	case inBand:
		want, code = cur, CodeWithinTolerance
		if loud {
			why = toleranceWords(head, spec.Tolerance*100, cur, capacity)
		}
	case rec == cur:
		want, code = cur, CodeSteady
		if loud {
			why = steadyWords(head, rec, cur)
		}
	case rec < cur:
		code = CodeScaleDown
		if h := highest(d.Next.Recommendations, now); min(h, cur) > rec {
			hi := min(h, cur)
			want, code = hi, CodeStabilising
			if loud {
				why = stabilisingWords(head, rec, spec.DownWindow, h, hi)
				if h > cur {
					why = fmt.Sprintf("%s wants %d; highest in the %v window is %d, above the current %d: keep %d", head, rec, spec.DownWindow, h, cur, hi)
				}
			}
		}
	}
	if want < cur && obs.LowerBound != "" {
		// A gateway instance is not scraped, or the source's answer may
		// be partial (a Thanos store down): a share of the load is
		// missing from the sum, so the reading is the least the load can
		// be. It scales up, never down (missing is not zero).
		want, code = cur, CodeLowerBound
		if loud {
			why = fmt.Sprintf("%s wants %d; %s: keep %d", head, rec, obs.LowerBound, cur)
		}
	}
	if loud && why == "" {
		// A scale up, or down without a higher recommendation in the
		// window (worded here, not before the cases that word their own).
		why = toWords(head, rec)
	}
	d.Replicas, d.Code, d.Reason = want, code, why
	limitAndClamp(spec, obs, &d, head)
	return d
}

// burstOver reports whether a running function's decision at cur rests on
// the burst reading rather than the stable load (both present): the burst
// reading is the higher and needs more than cur, or the stable load needs
// less (then the burst reading says how far down).
func burstOver(load, burst *float64, per float64, cur uint64) bool {
	return burst != nil && *burst > *load && (replicasFor(*burst, per) > cur || replicasFor(*load, per) < cur)
}

// crossesBurst reports whether a burst reading needs far more than ready
// replicas can serve: burst mode starts, or holds on.
func crossesBurst(spec *Spec, burst float64, ready uint64, per float64) bool {
	return burst > 0 && burst >= spec.BurstThreshold*float64(max(ready, 1))*per
}

// withinTolerance reports whether load is within the spec's dead band
// around cur replicas' capacity. In replicas, not load: cur × per
// overflowed to +Inf for a huge target, and |load − Inf| ≤ tolerance × Inf
// held every count for ever.
func withinTolerance(spec *Spec, load, per float64, cur uint64) bool {
	return math.Abs(load/per-float64(cur)) <= spec.Tolerance*float64(cur)
}

package scaler

import (
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Repeating a decision instead of deciding (issue 12: the trace replay).
//
// Most functions of a real fleet sit at zero most of the time (two thirds
// of the Azure day's 3.5 million evaluations), and every tick decided for
// each of them again: at_zero_idle, left to the idler. For a function at
// zero, without a signal, Decide reads no clock: wakeFromZero and the
// lines before it use the spec, the observation's counts, loads, backlog
// and scheduled minimum, and the state's alert fields, never now (now is
// read only where an alert's load is used, and a tick has no signal, and
// to record a wake's recommendation, and a wake changes the count, so it
// is never a refresh to repeat). So when the spec (the very parse), those inputs and the state are the last
// decision's, the decision is the last one, and what deciding would have
// done to the function's records is exactly what repeat does: refresh the
// last record's time and number and count the decision.
//
// A running function's decision reads the clock only through its state's
// timed parts: the recommendations' ages and expiries, burst mode's end and
// an alert's load running out of evidence. Without burst mode or an
// alert's load (untimed), decideTarget's other lines use the spec, the
// counts, the loads and their parts and the scheduled minimum, and a
// decision that would record a recommendation (record keeps no zero), enter
// burst mode or scale changes the state or the count, so it is not a
// refresh that leaves the state as it was. What is left is the
// recommendations' clock: the same decision holds until one of them leaves
// the down window or its alert's evidence expires (steadyRecs), which for
// a function idle past its down window (no recommendation) is never and
// for one idle inside it is the oldest one's end. The same holds then as
// at zero.
//
// A busy function with a steady load records a recommendation at every
// tick, so its state moves and the above never holds for it: over half of
// the Azure day's full decisions were running functions deciding steady,
// within tolerance or stabilising again on the very readings of their last
// decision. Steady and within tolerance read no recommendation
// (decideTarget's tolerance and steady cases come before the window's
// highest is read) and, untimed, no clock: on the same inputs the decision
// is the same. Stabilising without a scale kept the count because the
// window's highest, read after the new recommendation is recorded, was at
// least the count; on the same inputs it is the same decision while that
// still holds. What deciding does to the state is to record the same
// recommendation at the new time, dropping what record and keepBinding
// drop. repeatRecords does exactly that, through the same functions, and
// keeps the state the decision was made on (fs.before) as decideAndApply
// does, so the explain API words the record from the same inputs.
//
// A function repeats only after a quiet tick's decision that scaled
// nothing, whether it refreshed its record or added one (either way the
// last record is that decision's, without words, and the next decision on
// the same inputs refreshes it: lastSays compares nothing a repeat could
// change; and the state the decision left is the one it was made on, or
// that one with its recommendation recorded again); anything else -- a
// signal, a follow-up, a scale, new labels or defaults, an outcome that
// rewrote the state, one differing input -- makes the next tick decide in
// full. Waiting for a refresh after a new record cost a full decision per
// record: a third of the Azure day's full decisions were that one.
// TestRepeatIsWhatDecidingGives runs scripted histories through a loop that
// repeats and one that decides every time and compares everything the loop
// shows.

// repeat repeats fs's last decision at now when its inputs are unchanged,
// and reports whether it did. sr and br are its stable and burst readings
// (loadFailed: the stable query failed, Observation.LoadFailed; lb:
// Observation.LowerBound);
// queued the backlog of functions at zero. The caller holds passMu and has parsed
// fn's labels into fs.parsed (with no error).
//
// mu is taken for the comparisons and the refresh and left held (*held),
// so that a run of functions that repeat (most of a pass) takes it once,
// not once each (a lock and an unlock per function per pass were a third
// of the repeats' cost); the caller releases it (release) before anything
// that takes it or calls out. MinFloor is called without it, and its
// answer left in *floor for a caller that decides after all: asked again,
// it was asked twice in the pass (TestMinFloorLabel).
func (l *Loop) repeat(fs *fnState, fn *provider.Function, sr, br metricsource.Reading, loadFailed bool, lb string, queued metricsource.Values, now time.Time, floor *floorAnswer, held *bool) bool {
	ps := &fs.parsed
	// A new spec decides in full, and is not worth asking MinFloor about
	// here. The last decision's spec is ps.spec otherwise, and fs.repeat is
	// set only for a spec neither in step mode nor static (decideAndApply):
	// the spec's own checks are the last decision's.
	// fs.spec and fs.specFailed are written only by a pass (decideAndApply),
	// which the caller's passMu excludes: read before mu is taken.
	if fs.repeat == repeatNone || fs.spec != ps.spec || fs.specErr() != nil {
		return false
	}
	s, sok, sp := sr.Value, sr.Has, sr.Part
	b, bok, bp := br.Value, br.Has, br.Part
	var q float64
	var qok bool
	if len(queued) > 0 && ps.spec.Type != metricsource.TypeQueue {
		// An empty backlog (none of the functions at zero has one) answers
		// missing for every function: not asked, per function per pass.
		q, qok = queued[fn.Ref]
	}
	var smin uint64
	var sreason string
	if l.cfg.MinFloor != nil && fs.floored {
		l.release(held)
		smin, sreason = l.minFloor(fs, fn, now)
		*floor = floorAnswer{min: smin, reason: sreason, asked: true}
	}
	if !*held {
		l.mu.Lock()
		*held = true
	}
	o := &fs.obs
	if (fs.repeat == repeatSame && fs.before != nil) || len(fs.history) == 0 ||
		o.replicas != fn.Replicas || o.available != fn.AvailableReplicas ||
		!sameReading(fs.obsHas&hasQueued != 0, o.queued, q, qok) || (fs.obsHas&hasLoadFailed != 0) != loadFailed ||
		!o.sameMore(smin, sreason, lb) {
		return false
	}
	fresh := !sameReading(fs.obsHas&hasStable != 0, o.stable, s, sok) || !sameReading(fs.obsHas&hasBurst != 0, o.burst, b, bok) ||
		fs.stablePart != sp || fs.burstPart != bp
	if fresh && (fs.repeat != repeatRecords || fn.Replicas == 0 || len(fs.recs) == 0 ||
		!steadyOn(ps.spec, fn.Replicas, fn.AvailableReplicas, sr, br, fs.history[len(fs.history)-1].Code, fs.recs[len(fs.recs)-1].Replicas)) {
		return false
	}
	// The recommendations and the last record's time are read under mu: an
	// actuator's outcome rewrites the state from its own goroutine.
	switch {
	case fs.repeat == repeatRecords:
		if fn.Replicas == 0 || !fs.recordAgain(ps.spec.DownWindow, fn.Replicas, now) {
			return false
		}
		if fresh {
			fs.keepReadings(sr, br)
		}
	case fn.Replicas > 0 && len(fs.recs) > 0 &&
		!steadyRecs(fs.recs, ps.spec.DownWindow, InstantOf(fs.history[len(fs.history)-1].At), InstantOf(now)):
		return false
	}
	// What decideAndApply does with a decision that refreshes the last
	// record and changes nothing else.
	fs.seq++
	h := &fs.history[len(fs.history)-1]
	h.At, h.Seq = now, fs.seq
	fs.replicas = fn.Replicas
	// Counted in seq, not in counts: settleCounts adds it there when read.
	return true
}

// floorAnswer is MinFloor's answer for a function in this pass, when
// repeat asked it (asked).
type floorAnswer struct {
	min    uint64
	reason string
	asked  bool
}

// repeatKind says whether a function's last decision may be repeated
// while its inputs hold, and how.
type repeatKind uint8

const (
	repeatNone    repeatKind = iota // decide in full
	repeatSame                      // the decision left the state as it was
	repeatRecords                   // a steady busy function's: the state moved by the recommendation it recorded (recordsOnly)
)

// recordsOnly reports whether d, a quiet tick's decision (refreshing its
// record or adding one) for a running function decided on st at now, may
// be repeated as repeatRecords: steady or within tolerance (codes decided
// before the recommendations are read), or stabilising at the current
// count (recordAgain checks the window's highest), st untimed and without
// the parts Decide clears for a target-mode function (a ramp, an alert's
// base), and next (the state it leaves, after keepBinding) st but for a
// recommendation list that ends with the one it recorded at now, which is
// the one the repeat records again.
func recordsOnly(d *Decision, st, next *State, now time.Time) bool {
	switch d.Code {
	case CodeSteady, CodeWithinTolerance, CodeStabilising:
	default:
		return false
	}
	if d.Scale || d.Replicas != d.Current || d.Recommended == 0 || !untimed(st) || !recordable(st) {
		return false
	}
	// Within the band the count itself is what was recorded (decideTarget).
	recorded := d.Recommended
	if d.Code == CodeWithinTolerance {
		recorded = max(recorded, d.Current)
	}
	n := len(next.Recommendations)
	if n == 0 || next.Recommendations[n-1] != (Recommendation{At: InstantOf(now), Replicas: recorded}) {
		return false
	}
	same := *next
	same.Recommendations = st.Recommendations
	return sameState(&same, st)
}

// recordable reports whether st has none of the parts a target-mode
// decision clears (a ramp, an alert's base), so that the state it leaves
// is st with its recommendations moved.
func recordable(st *State) bool {
	return st.RampFrom == 0 && st.RampStart.IsZero() && st.AlertBase == 0
}

// steadyOn reports whether deciding quietly for a repeatRecords function
// (running at cur with ready available, no signal, its state untimed and
// recordable: recordAgain checks) on the new readings stable and burst
// makes the decision its last record holds, code, and records the same
// recommendation, last, as that decision did: then deciding again is
// recordAgain with the new readings kept (keepReadings), as it is on the
// same readings. Over half of a busy function's full decisions were
// such: its load moves from pass to pass, within what the same count
// serves.
//
// It follows decideTarget's lines for such a function, through the same
// helpers: the stable load present (else the no-data lines), the burst
// reading over it where it is (burstOver), no burst crossing (burst mode
// would start: the state moves), then within tolerance, steady or below
// cur. Below cur is a stabilising decision when the window's highest, with
// the recommendation recorded, is at least cur: recordAgain checks that, as
// it does on the same readings. Above cur scales up. The bounds
// (limitAndClamp) and a lower bound (Observation.LowerBound) act only on a
// decision that leaves cur, which none of these does: the last one, made on
// the same counts, bounds and scheduled minimum, kept cur under them too.
// TestSteadyOnIsDecide compares it with Decide; TestRepeatOnNewReadings
// compares a loop using it with one deciding every time.
func steadyOn(spec *Spec, cur, ready uint64, stable, burst metricsource.Reading, code ReasonCode, last uint64) bool {
	var v [2]float64
	sp, bp := values(stable, burst, &v)
	load, bl := loadOrNil(sp), loadOrNil(bp)
	if load == nil {
		return false
	}
	per := spec.PerReplicaTarget()
	if burstOver(load, bl, per, cur) {
		load = bl
	}
	if bl != nil && crossesBurst(spec, *bl, ready, per) {
		return false
	}
	rec := replicasFor(*load, per)
	// Within the band the count itself is recorded, as Decide records it.
	inBand := withinTolerance(spec, *load, per, cur)
	if inBand {
		rec = max(rec, cur)
	}
	if rec != last {
		return false
	}
	switch {
	case inBand:
		return code == CodeWithinTolerance
	case rec == cur:
		return code == CodeSteady
	case rec < cur:
		return code == CodeStabilising
	}
	return false
}

// keepReadings keeps a repeated decision's new readings as its
// Observation's (keepObs: a missing reading is kept as 0, unmarked). The
// loop's mu is held.
func (fs *fnState) keepReadings(stable, burst metricsource.Reading) {
	var v [2]float64
	sp, bp := values(stable, burst, &v)
	var hs, hb obsHas
	fs.obs.stable, hs = keptReading(sp, hasStable)
	fs.obs.burst, hb = keptReading(bp, hasBurst)
	fs.obsHas = fs.obsHas&^(hasStable|hasBurst) | hs | hb
	fs.stablePart, fs.burstPart = stable.Part, burst.Part
}

// release unlocks mu when repeat left it held.
func (l *Loop) release(held *bool) {
	if *held {
		l.mu.Unlock()
		*held = false
	}
}

// untimed reports whether st has no burst mode and no alert's load, the
// timed parts of a state other than its recommendations.
func untimed(st *State) bool {
	return st.BurstSince.IsZero() && st.AlertLoadAt.IsZero()
}

// steadyRecs reports whether a decision at last on recs (a down window of
// window) is the decision at now: no recommendation leaves the window in
// (last, now] (record drops one once now − At > window) and none's alert
// evidence expires in it (highest skips one once now ≥ Expires).
func steadyRecs(recs []Recommendation, window time.Duration, last, now Instant) bool {
	for _, r := range recs {
		if now-r.At > Instant(window) || (r.Expires > last && r.Expires <= now) {
			return false
		}
	}
	return true
}

// sameReading reports whether a kept reading (kv; has: present) is v (ok:
// present). A NaN is never the same: Decide's comparisons with it are not
// the ones it made.
func sameReading(has bool, kv, v float64, ok bool) bool {
	if !has || !ok {
		return !has && !ok
	}
	return kv == v && !math.IsNaN(v)
}

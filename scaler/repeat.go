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
// A function repeats only after a quiet tick refreshed its record (so the
// record holds what a quiet decision words, and the state the decision
// left is the one it was made on); anything else -- a signal, a follow-up,
// a scale, new labels or defaults, an outcome that rewrote the state, one
// differing input -- makes the next tick decide in full.
// TestRepeatIsWhatDecidingGives runs scripted histories through a loop that
// repeats and one that decides every time and compares everything the loop
// shows.

// repeat repeats fs's last decision at now when its inputs are unchanged,
// and reports whether it did. sr and br are its stable and burst readings;
// queued the backlog of functions at zero. The caller holds passMu and has parsed
// fn's labels into fs.parsed (with no error).
//
// mu is taken for the comparisons and the refresh and left held (*held),
// so that a run of functions that repeat (most of a pass) takes it once,
// not once each (a lock and an unlock per function per pass were a third
// of the repeats' cost); the caller releases it (release) before anything
// that takes it or calls out. MinFloor is called without it.
func (l *Loop) repeat(fs *fnState, fn *provider.Function, sr, br metricsource.Reading, queued metricsource.Values, now time.Time, held *bool) bool {
	ps := &fs.parsed
	if !fs.repeat || ps.spec.Step() || ps.spec.Static() {
		return false
	}
	s, sok, sp := sr.Value, sr.Has, sr.Part
	b, bok, bp := br.Value, br.Has, br.Part
	var q float64
	var qok bool
	if ps.spec.Type != metricsource.TypeQueue {
		q, qok = queued[fn.Ref]
	}
	var smin uint64
	var sreason string
	if l.cfg.MinFloor != nil && fs.floored {
		l.release(held)
		smin, sreason = l.minFloor(fs, fn, now)
	}
	if !*held {
		l.mu.Lock()
		*held = true
	}
	o := &fs.obs
	if fs.before != nil || fs.spec != ps.spec || fs.specErr != nil || len(fs.history) == 0 ||
		o.replicas != fn.Replicas || o.available != fn.AvailableReplicas ||
		!sameReading(fs.obsHas&hasStable != 0, o.stable, s, sok) || !sameReading(fs.obsHas&hasBurst != 0, o.burst, b, bok) ||
		!sameReading(fs.obsHas&hasQueued != 0, o.queued, q, qok) ||
		fs.stablePart != sp || fs.burstPart != bp ||
		!o.sameMore(smin, sreason) {
		return false
	}
	// The recommendations and the last record's time are read under mu: an
	// actuator's outcome rewrites the state from its own goroutine.
	if fn.Replicas > 0 && len(fs.recs) > 0 &&
		!steadyRecs(fs.recs, ps.spec.DownWindow, InstantOf(fs.history[len(fs.history)-1].At), InstantOf(now)) {
		return false
	}
	// What decideAndApply does with a decision that refreshes the last
	// record and changes nothing else.
	fs.seq++
	h := &fs.history[len(fs.history)-1]
	h.At, h.Seq = now, uint64(fs.seq)
	fs.replicas = fn.Replicas
	fs.counts = countDecision(fs.counts, h.Code)
	return true
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

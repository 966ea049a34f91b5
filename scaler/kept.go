package scaler

import "time"

// The loop keeps a State and an Observation for every function it knows,
// and at 100,000 functions those two were 304 of the 512 bytes of each
// fnState (issue 12's footprint goal). Most of their fields are zero for
// almost every function: burst, step and alert modes are the state of a
// function under load or driven by alerts, a signal or a scheduled minimum
// an observation of few. The kept forms below hold what every function has
// inline and the rest behind a pointer that only a function using it pays
// for; the windows, the loop's own, are not kept at all. Decide still takes
// and returns the whole values: the kept forms are storage, converted at the
// edges (a copy of a few hundred bytes per decision).

// modeState is the part of State that only burst, step and alert modes set.
type modeState struct {
	burstSince, burstCrossed time.Time
	stepKey, prevStepKey     string
	stepAt, prevStepAt       time.Time
	rampFrom                 uint64
	rampStart                time.Time
	stepFoundAt              time.Time
	stepRuleAt               time.Time
	stepRuleRepeats          bool
	stepDropHeld             bool
	stepDropOwed             time.Time
	stepDropFrom             uint64
	alertLoadAt              time.Time
	alertBase                uint64
	alertLoadKey             string
}

// modesOf is s's mode fields as modeState keeps them.
func modesOf(s *State) modeState {
	return modeState{
		burstSince: s.BurstSince, burstCrossed: s.BurstCrossed,
		stepKey: s.StepKey, stepAt: s.StepAt, prevStepKey: s.PrevStepKey, prevStepAt: s.PrevStepAt,
		rampFrom: s.RampFrom, rampStart: s.RampStart, stepFoundAt: s.StepFoundAt, stepRuleAt: s.StepRuleAt,
		stepRuleRepeats: s.StepRuleRepeats, stepDropOwed: s.StepDropOwed, stepDropFrom: s.StepDropFrom,
		stepDropHeld: s.StepDropHeld,
		alertLoadAt:  s.AlertLoadAt, alertBase: s.AlertBase,
		alertLoadKey: s.AlertLoadKey,
	}
}

// into writes m's fields into s.
func (m *modeState) into(s *State) {
	s.BurstSince, s.BurstCrossed = m.burstSince, m.burstCrossed
	s.StepKey, s.StepAt, s.PrevStepKey, s.PrevStepAt = m.stepKey, m.stepAt, m.prevStepKey, m.prevStepAt
	s.RampFrom, s.RampStart, s.StepFoundAt, s.StepRuleAt = m.rampFrom, m.rampStart, m.stepFoundAt, m.stepRuleAt
	s.StepRuleRepeats, s.StepDropOwed, s.StepDropFrom = m.stepRuleRepeats, m.stepDropOwed, m.stepDropFrom
	s.StepDropHeld = m.stepDropHeld
	s.AlertLoadAt, s.AlertBase = m.alertLoadAt, m.alertBase
	s.AlertLoadKey = m.alertLoadKey
}

// keepModes returns where m is kept: nil when no mode is set (a burst that
// ends gives its bytes back), else prev written in place when there is one
// (nothing else points at it: state copies it out), else a new record.
func keepModes(m modeState, prev *modeState) *modeState {
	switch {
	case m == modeState{}:
		return nil
	case prev != nil:
		*prev = m
		return prev
	default:
		// A new record only here: &m would move m to the heap on every call.
		k := new(modeState)
		*k = m
		return k
	}
}

// state is the function's State as kept (fs.recs, fs.lastScale,
// fs.scaleDir and fs.modes).
func (fs *fnState) state() State {
	s := State{Recommendations: fs.recs, LastScale: fs.lastScale, LastScaleDir: fs.scaleDir}
	if m := fs.modes; m != nil {
		m.into(&s)
	}
	return s
}

// setState keeps s (fs.modes as keepModes keeps it).
func (fs *fnState) setState(s State) {
	fs.recs, fs.lastScale, fs.scaleDir = s.Recommendations, s.LastScale, s.LastScaleDir
	fs.modes = keepModes(modesOf(&s), fs.modes)
}

// keptState is a State kept apart from the function's own: fs.before, the
// state its last decision was made on, from which the explain API words a
// quiet record. 64 bytes with the modes behind their own pointer (not
// fs.modes, which setState overwrites in place), not a State's 208: a
// called function's state moves at every decision, so every one of a fleet
// of 100,000 kept one, 20 MB of its heap.
type keptState struct {
	recs      []Recommendation
	lastScale time.Time
	scaleDir  Direction
	modes     *modeState
}

// set keeps s in k, reusing k's modes record.
func (k *keptState) set(s *State) {
	k.recs, k.lastScale, k.scaleDir = s.Recommendations, s.LastScale, s.LastScaleDir
	k.modes = keepModes(modesOf(s), k.modes)
}

// state is the kept State again.
func (k *keptState) state() State {
	s := State{Recommendations: k.recs, LastScale: k.lastScale, LastScaleDir: k.scaleDir}
	if m := k.modes; m != nil {
		m.into(&s)
	}
	return s
}

// keptStateOf is s as a new keptState.
func keptStateOf(s *State) *keptState {
	k := new(keptState)
	k.set(s)
	return k
}

// keptObs is the Observation of a function's last decision as kept: the
// counts and readings inline, the rarer inputs in obsMore. Which readings
// were present is kept beside it (obsHas, in fnState's spare bytes). The
// readings are values, not the Observation's pointers: kept, those pinned
// an allocation per decision (a seventh of the trace replay's allocations)
// and sent each repeat's comparison to it elsewhere in the heap.
type keptObs struct {
	replicas, available   uint64
	stable, burst, queued float64
	more                  *obsMore // nil: no signal and no scheduled minimum
}

// obsHas says which of a keptObs' readings were present, and whether the
// stable load query failed (Observation.LoadFailed).
type obsHas uint8

const (
	hasStable obsHas = 1 << iota
	hasBurst
	hasQueued
	hasLoadFailed
)

// keptReading is p's value and whether it is present (p not nil), as
// keptObs keeps it.
func keptReading(p *float64, bit obsHas) (float64, obsHas) {
	if p == nil {
		return 0, 0
	}
	return *p, bit
}

// reading is a kept reading again as an Observation's: a new float, so that
// nothing outside fnState points into it.
func (h obsHas) reading(v float64, bit obsHas) *float64 {
	if h&bit == 0 {
		return nil
	}
	return &v
}

// obsMore is the part of an Observation few functions have at a time.
type obsMore struct {
	signal             *Signal
	scheduledMin       uint64
	scheduledMinReason string
	lowerBound         string // Observation.LowerBound: while a gateway instance is down
}

// keepObs keeps o (its windows are the loop's; quiet is a question to
// Decide, not an input). prev's obsMore is reused when o needs one too.
func keepObs(o Observation, prev *obsMore) (keptObs, obsHas) {
	k := keptObs{replicas: o.Replicas, available: o.Available}
	var hs, hb, hq obsHas
	k.stable, hs = keptReading(o.StableLoad, hasStable)
	k.burst, hb = keptReading(o.BurstLoad, hasBurst)
	k.queued, hq = keptReading(o.Queued, hasQueued)
	if o.Signal != nil || o.ScheduledMin != 0 || o.ScheduledMinReason != "" || o.LowerBound != "" {
		if prev == nil {
			prev = new(obsMore)
		}
		*prev = obsMore{signal: o.Signal, scheduledMin: o.ScheduledMin, scheduledMinReason: o.ScheduledMinReason, lowerBound: o.LowerBound}
		k.more = prev
	}
	h := hs | hb | hq
	if o.LoadFailed {
		h |= hasLoadFailed
	}
	return k, h
}

// keepObs keeps o as fs's last Observation: fs.obs, and the parts beside
// fs's flags.
func (fs *fnState) keepObs(o Observation) {
	fs.obs, fs.obsHas = keepObs(o, fs.obs.more)
	fs.stablePart, fs.burstPart = o.StablePart, o.BurstPart
}

// observation is fs's kept Observation again, with the loop's windows.
func (fs *fnState) observation(stable, burst time.Duration) Observation {
	o := fs.obs.observation(fs.obsHas, stable, burst)
	o.StablePart, o.BurstPart = fs.stablePart, fs.burstPart
	return o
}

// observation is the kept Observation again (h: its readings present), with
// the loop's windows, but without the parts, which fnState keeps
// (fs.observation).
func (k *keptObs) observation(h obsHas, stable, burst time.Duration) Observation {
	o := Observation{Replicas: k.replicas, Available: k.available, StableLoad: h.reading(k.stable, hasStable),
		BurstLoad: h.reading(k.burst, hasBurst), Queued: h.reading(k.queued, hasQueued), StableWindow: stable, BurstWindow: burst,
		LoadFailed: h&hasLoadFailed != 0}
	if m := k.more; m != nil {
		o.Signal, o.ScheduledMin, o.ScheduledMinReason = m.signal, m.scheduledMin, m.scheduledMinReason
		o.LowerBound = m.lowerBound
	}
	return o
}

// sameMore reports whether k's rarer inputs are those of a tick with no
// signal, the scheduled minimum min, for the reason given, and the loads'
// lower bound lb.
func (k *keptObs) sameMore(min uint64, reason, lb string) bool {
	if k.more == nil {
		return min == 0 && reason == "" && lb == ""
	}
	return k.more.signal == nil && k.more.scheduledMin == min && k.more.scheduledMinReason == reason && k.more.lowerBound == lb
}

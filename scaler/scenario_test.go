package scaler

import (
	"testing"
	"time"
)

// tickEvery is the scenario evaluation interval (the loop's default).
const tickEvery = 5 * time.Second

// world steps Decide through time, applying each decision at once and
// making every replica ready at once, as a provider with no cold start would.
type world struct {
	t        *testing.T
	spec     Spec
	now      time.Time
	replicas uint64
	st       State
	log      []Decision
}

func newWorld(t *testing.T, spec Spec, replicas uint64) *world {
	return &world{t: t, spec: spec, now: t0, replicas: replicas}
}

// step evaluates once with the given stable and burst loads, then advances time.
func (w *world) step(stable, burst *float64, sig *Signal) Decision {
	obs := Observation{Replicas: w.replicas, Available: w.replicas, StableLoad: stable, StableWindow: time.Minute,
		BurstLoad: burst, BurstWindow: 10 * time.Second, Signal: sig}
	d := Decide(w.spec, obs, w.st, w.now)
	w.st, w.replicas = d.Next, d.Replicas
	w.log = append(w.log, d)
	w.now = w.now.Add(tickEvery)
	return d
}

// run steps n times with a steady load in both windows.
func (w *world) run(n int, load float64) {
	for range n {
		w.step(ptr(load), ptr(load), nil)
	}
}

// changes counts the decisions that scaled, and those that scaled down.
func (w *world) changes(from int) (all, down int) {
	for _, d := range w.log[from:] {
		if d.Scale {
			all++
			if d.Replicas < d.Current {
				down++
			}
		}
	}
	return all, down
}

func TestScenarioSustainedLoadSettles(t *testing.T) {
	w := newWorld(t, specFrom(nil), 1)
	w.run(60, 400) // 5 minutes at 400 rps; needs ceil(400/45) = 9
	if w.replicas != 9 {
		t.Fatalf("settled at %d replicas, want 9", w.replicas)
	}
	if w.log[0].Code != CodeBurst || w.log[0].Replicas != 9 {
		t.Errorf("first decision %d (%s), want a burst straight to 9: %s", w.log[0].Replicas, w.log[0].Code, w.log[0].Reason)
	}
	if all, _ := w.changes(1); all != 0 {
		t.Errorf("%d more scale changes after reaching 9 under steady load", all)
	}
	if last := w.log[len(w.log)-1]; last.Code != CodeWithinTolerance {
		t.Errorf("last code %s, want within_tolerance once burst mode ended: %s", last.Code, last.Reason)
	}
}

func TestScenarioDropWaitsForTheDownWindow(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.DownWindow = 2 * time.Minute })
	w := newWorld(t, spec, 10)
	w.run(36, 450) // 3 minutes exactly at 10 replicas' capacity
	if w.replicas != 10 {
		t.Fatalf("at %d replicas before the drop, want 10", w.replicas)
	}
	drop := w.now
	lastHigh := drop.Add(-tickEvery)
	firstDown := -1
	start := len(w.log)
	w.run(60, 90) // needs 2
	for i, d := range w.log[start:] {
		at := drop.Add(time.Duration(i) * tickEvery)
		if d.Replicas < d.Current && firstDown < 0 {
			firstDown = i
			if since := at.Sub(lastHigh); since <= spec.DownWindow {
				t.Errorf("scaled down %v after the last high recommendation, inside the %v window", since, spec.DownWindow)
			}
			if since := at.Sub(lastHigh); since > spec.DownWindow+tickEvery {
				t.Errorf("scaled down only %v after the last high recommendation; window is %v", since, spec.DownWindow)
			}
		}
		if d.Replicas < 2 {
			t.Fatalf("went below the need: %d (%s)", d.Replicas, d.Reason)
		}
		if d.Scale && d.Replicas < d.Current && d.Replicas*2 < d.Current {
			t.Errorf("scaled down more than half in one step: %d → %d", d.Current, d.Replicas)
		}
	}
	if firstDown < 0 {
		t.Fatal("never scaled down")
	}
	if w.replicas != 2 {
		t.Errorf("ended at %d replicas, want 2", w.replicas)
	}
}

func TestScenarioOscillatingLoadDoesNotFlap(t *testing.T) {
	w := newWorld(t, specFrom(nil), 1)
	// The stable window sees 200 and 400 rps in turns every 30 s; the burst
	// window a little more. The window holds the high recommendation.
	for i := range 120 {
		load := 200.0
		if (i/6)%2 == 0 {
			load = 400
		}
		w.step(ptr(load), ptr(load*1.1), nil)
	}
	// The first burst overshoots to 10 (440/45); once burst mode and the
	// down window have passed, at most one trim to 9, then nothing moves.
	all, down := w.changes(0)
	if down > 1 || all > 2 {
		t.Errorf("%d scale changes (%d down) in 10 minutes of oscillating load; want the burst and at most one trim", all, down)
	}
	if late, _ := w.changes(48); late != 0 {
		t.Errorf("%d scale changes after the first 4 minutes: flapping", late)
	}
	for _, d := range w.log[1:] {
		if d.Replicas < 9 {
			t.Fatalf("dropped to %d in a trough: %s", d.Replicas, d.Reason)
		}
	}
	if w.replicas < 9 {
		t.Errorf("at %d replicas, below the peak's need of 9", w.replicas)
	}
}

func TestScenarioBurstHoldsThenStabilises(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.DownWindow = time.Minute })
	w := newWorld(t, spec, 2)
	w.run(6, 90)
	// A 20 s spike seen by the burst window only.
	for range 4 {
		w.step(ptr(150), ptr(900), nil)
	}
	if w.replicas != 20 {
		t.Fatalf("burst brought %d replicas, want 20 (900/45)", w.replicas)
	}
	spikeEnd := w.now
	start := len(w.log)
	w.run(60, 90)
	for i, d := range w.log[start:] {
		at := spikeEnd.Add(time.Duration(i) * tickEvery)
		if d.Replicas < d.Current && at.Sub(spikeEnd) < time.Minute {
			t.Errorf("scaled down %v after the burst, during burst mode: %s", at.Sub(spikeEnd), d.Reason)
		}
	}
	if w.replicas != 2 {
		t.Errorf("ended at %d, want back to 2", w.replicas)
	}
}

func TestScenarioLabelChangeMidRun(t *testing.T) {
	w := newWorld(t, specFrom(nil), 1)
	w.run(30, 200)
	if w.replicas != 5 {
		t.Fatalf("at %d, want 5", w.replicas)
	}
	w.spec.Target = 25 // per replica 22.5 → needs 9
	w.run(30, 200)
	if w.replicas != 9 {
		t.Errorf("after target 50→25 at %d, want 9", w.replicas)
	}
	w.spec.Max = 4
	d := w.step(ptr(200), ptr(200), nil)
	if d.Replicas != 4 || d.Code != CodeAtMax {
		t.Errorf("after max → 4: %d (%s), want 4 (at_max)", d.Replicas, d.Code)
	}
	w.spec.Type = TypeStep
	d = w.step(nil, nil, nil)
	if d.Replicas != 4 || d.Code != CodeSteady {
		t.Errorf("after type → step without an alert: %d (%s), want 4 (steady)", d.Replicas, d.Code)
	}
}

func TestScenarioStepModeRepeatsAndResolve(t *testing.T) {
	// step 2; a dedup window longer than the world's 5 s step, so the
	// delivery one step later is a duplicate.
	spec := stepSpec(func(s *Spec) { s.Max, s.Factor, s.DownWindow, s.StepDedup = 10, 20, time.Minute, 8*time.Second })
	w := newWorld(t, spec, 1)
	start := t0
	w.step(nil, nil, firing("fp", start)) // 3
	w.step(nil, nil, firing("fp", start)) // 5 s later: duplicate
	w.step(nil, nil, nil)
	w.step(nil, nil, firing("fp", start)) // 15 s after the step: a repeat, steps
	if w.replicas != 5 {
		t.Fatalf("after firing, duplicate, repeat: %d, want 5", w.replicas)
	}
	// A new episode: resolved, then firing (new StartsAt) delivered twice in
	// one group interval steps once.
	w.replicas, w.st = 3, State{}
	again := t0.Add(10 * time.Minute)
	w.step(nil, nil, resolved("fp", start))
	w.step(nil, nil, firing("fp", again))
	w.step(nil, nil, firing("fp", again))
	if w.replicas != 5 {
		t.Fatalf("resolved→firing→firing: %d, want 5 (one step of 2 from 3)", w.replicas)
	}
	w.step(nil, nil, resolved("fp", again))
	if w.replicas != 5 {
		t.Errorf("resolved dropped at once to %d", w.replicas)
	}
	var seen []uint64
	for range 14 {
		w.step(nil, nil, nil)
		seen = append(seen, w.replicas)
	}
	if w.replicas != 1 {
		t.Errorf("after the down window: %d, want min 1 (path %v)", w.replicas, seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] > seen[i-1] {
			t.Errorf("step down went up: %v", seen)
		}
	}
	if seen[len(seen)/2] == 1 || seen[len(seen)/2] == 5 {
		t.Errorf("not gradual: %v", seen)
	}
}

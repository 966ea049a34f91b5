package idler

import (
	"testing"
	"time"
)

// The actuator keeps a slot per function it was asked about (its last
// write, back-off, refusals and recent outcomes), dropped by Forget. Only
// the scaler called it, when a function left its listing: with the scaler
// off (scale to zero alone, a common set-up), every function the idler had
// ever idled kept its slot after it was deleted, for the life of the
// process. The idler forgets a function the actuator knows once a complete
// listing no longer holds it.
func TestDeletedFunctionIsForgottenByTheActuator(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	e := newEnv(t, Config{}, function("a", 1, old, optIn()), function("b", 1, old, optIn()))
	act := newActuator(t, e.p, false)
	e.d.cfg.Actuator = act
	now := time.Now()
	e.d.RunOnce(t.Context(), now)
	for _, name := range []string{"a", "b"} {
		if _, ok := act.Explain(ref(name)); !ok {
			t.Fatalf("%s: the actuator knows nothing of it after the idler idled it", name)
		}
	}
	if err := e.p.Remove(ref("a")); err != nil {
		t.Fatal(err)
	}
	e.d.RunOnce(t.Context(), now.Add(time.Minute))
	if _, ok := act.Explain(ref("a")); ok {
		t.Error("a, deleted, is still kept by the actuator after a listing without it")
	}
	if _, ok := act.Explain(ref("b")); !ok {
		t.Error("b, still deployed, was forgotten by the actuator")
	}
}

// TestCycleNumberWrapsInTheState: fnState keeps the low 32 bits of the
// cycle that last listed it. Across the wrap (cycle 2³²−1, 2³² whose low
// bits are 0, 2³²+1) a listed function is kept and explained by the
// cycle, a deleted one is forgotten, and a report's verdicts are its own.
func TestCycleNumberWrapsInTheState(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	e := newEnv(t, Config{}, function("a", 1, old, nil), function("b", 1, old, nil), function("c", 1, old, nil))
	e.d.cycles = 1<<32 - 2
	now := time.Now()
	for i, gone := range []string{"", "b", "c"} {
		if gone != "" {
			if err := e.p.Remove(ref(gone)); err != nil {
				t.Fatal(err)
			}
		}
		at := now.Add(time.Duration(i) * time.Minute)
		rep := e.d.RunOnce(t.Context(), at)
		if v, ok := rep.VerdictOf(ref("a")); !ok || v.Code != CodeNotOptedIn {
			t.Errorf("cycle %d: a's verdict %+v %v, want not opted in", e.d.cycles, v, ok)
		}
		if ex := mustExplain(t, e.d, "a"); !ex.EvaluatedAt.Equal(at) {
			t.Errorf("cycle %d: a evaluated at %v, want %v", e.d.cycles, ex.EvaluatedAt, at)
		}
		if gone != "" {
			if _, ok := e.d.Explain(ref(gone)); ok {
				t.Errorf("cycle %d: %s, deleted, is still explained", e.d.cycles, gone)
			}
			if _, ok := rep.VerdictOf(ref(gone)); ok {
				t.Errorf("cycle %d: %s, deleted, has a verdict", e.d.cycles, gone)
			}
		}
	}
	if e.d.cycles != 1<<32+1 || len(e.d.state) != 1 {
		t.Errorf("after the wrap: cycle %d, %d functions kept, want cycle %d and a alone", e.d.cycles, len(e.d.state), uint64(1<<32+1))
	}
}

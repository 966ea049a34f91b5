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

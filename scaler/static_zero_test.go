package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestStaticFunctionAtZeroWakesOnLoad: min = max (a fixed count, often
// min=max=1) with com.openfaas.scale.zero=true is a fixed-size function
// the idler parks at zero when idle (it idles any opted-in function). The
// static decision kept whatever count the function had, zero included, so
// once idled it never woke however much load came: "static, never
// scaled (keep 0)". At zero it wakes as any function does, to its fixed
// count; running, it is still never scaled.
//
// Seen failing before: "static min=max=3 at zero, burst load 10: 0
// (static: \"min = max = 3: static, never scaled (keep 0)\"), want 3
// (from_zero)".
func TestStaticFunctionAtZeroWakesOnLoad(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Min, s.Max, s.Zero = 3, 3, true })
	d := Decide(spec, obsOf(0, ptr(10)), State{}, t0)
	if d.Replicas != 3 || d.Code != CodeFromZero {
		t.Errorf("static min=max=3 at zero, burst load 10: %d (%s: %q), want 3 (from_zero)", d.Replicas, d.Code, d.Reason)
	}
	if d := Decide(spec, obsOf(0, ptr(0)), State{}, t0); d.Replicas != 0 {
		t.Errorf("static at zero without load: %d (%s: %q), want 0 (left to the idler)", d.Replicas, d.Code, d.Reason)
	}
	if d := Decide(spec, obsOf(5, ptr(9000)), State{}, t0); d.Replicas != 5 || d.Code != CodeStatic {
		t.Errorf("static running: %d (%s: %q), want keep 5 (static)", d.Replicas, d.Code, d.Reason)
	}
	// Step mode's firing alert wakes it to its count too.
	step := stepSpec(func(s *Spec) { s.Min, s.Max = 1, 1 })
	sig := &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: t0}
	if d := Decide(step, withSignal(0, sig), State{}, t0); d.Replicas != 1 {
		t.Errorf("static step function at zero, alert firing: %d (%s: %q), want 1", d.Replicas, d.Code, d.Reason)
	}
}

// TestStaticFunctionAtZeroIsReadAndWoken: the loop asked the source for no
// load of a static function's type (it never scales), so a static function
// alone of its type had no reading to wake on, nor a backlog.
//
// Seen failing before: "a static cpu function at zero under load: 0
// replicas, want 1".
func TestStaticFunctionAtZeroIsReadAndWoken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMin: "1", LabelMax: "1", LabelType: "cpu", LabelZero: "true"}
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 0, labels))
		e.src.Set("cpu", refA, 30)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 1 {
			t.Errorf("a static cpu function at zero under load: %d replicas, want 1", got)
		}
	})
}

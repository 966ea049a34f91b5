package keepalive

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestExplainForgetsAPastPreWarm: prewarmed_until is "set while the function
// is pre-warmed by the loop". The loop forgets a pre-warm at its next pass
// after the window ends (prewarm_interval later, 10 s by default), and until
// then the explain section showed a time already past, read as a pre-warm
// still under way. It shows the window only while it lasts.
func TestExplainForgetsAPastPreWarm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov, ref, pol := hourlyTimer(autoLabels, start)
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second) // inside the pre-warm window
		rep := w.RunOnce(context.Background(), time.Now())
		if len(rep.Scaled) != 1 {
			t.Fatalf("pass pre-warmed %d functions, want 1: %+v", len(rep.Scaled), rep)
		}
		until := rep.Scaled[0].Until
		if e, ok := w.Explain(ref); !ok || !e.(Explanation).PreWarmedUntil.Equal(until) {
			t.Fatalf("during the window: section %+v, want prewarmed_until %v", e, until)
		}
		// Just past the window, before the loop's next pass.
		time.Sleep(time.Until(until) + time.Second)
		e, ok := w.Explain(ref)
		if !ok {
			t.Fatal("no section after the window")
		}
		if got := e.(Explanation).PreWarmedUntil; !got.IsZero() {
			t.Errorf("a second past the window: prewarmed_until %v (now %v), want none", got, time.Now())
		}
	})
}

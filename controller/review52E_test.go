package controller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestReview52EScheduledRaiseIsNoWakeInTheAssembly: in the whole
// assembly (memory provider, simulated gateway, embedded source), f is
// opted in to zero (zero-duration 5m), never invoked, parked at zero, with
// a scheduled minimum "5 0 * * * for 2m = 1". It is raised ahead of 00:05
// (here by the scaler's MinFloorAhead, at 00:04:56.5, "at_min") and held
// to 00:07. When the minimum ends nothing keeps it: no call in the last 5m.
// A raise for a scheduled minimum is no wake from zero (act.go restored():
// "The idler's own raise is no wake ... read as one the next listing held
// the function a keep-alive after its scheduled minimum ended"; review51R),
// yet the idler's next listing finds f running after a listing at zero and
// takes it as a wake (follow.go), as the source's replica count does
// (Activity.Woken, rememberWake): f is held until 5m after the raise,
// explained "woken from zero 2m11s ago".
func TestReview52EScheduledRaiseIsNoWakeInTheAssembly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		s := newStack(t, cfg, Wiring{}, fn{name: "f", replicas: 0,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "5m", idler.MinScheduleLabel, "5 0 * * * for 2m = 1")})
		ctx, cancel := context.WithCancel(t.Context())
		defer func() { cancel(); synctest.Wait() }()
		s.run(ctx)
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if got := s.replicas(t, "f"); got != 1 {
			t.Fatalf("control: at 00:05 f has %d replicas, want 1 (restored ahead of its minimum)", got)
		}
		// The minimum ends at 00:07; the idler runs every 5 s.
		time.Sleep(2*time.Minute + 15*time.Second)
		synctest.Wait()
		if got := s.replicas(t, "f"); got != 0 {
			x, _ := s.ctl.Idler.Explain(ref("f"))
			t.Errorf("00:07:15, f's scheduled minimum over since 00:07, never invoked: %d replica(s), want 0 (a raise from zero for a scheduled minimum is no wake from zero); idler explains %+v; actuator history %+v",
				got, x, s.ctl.Actuator.History(ref("f")))
		}
	})
}

package scaler

import (
	"testing"
	"time"
)

// TestBurstHoldOutlivesAnAlertNeedOnItsLastPass: doc.go, burst mode: "the
// down window then holds the count it held, as far as the source's
// readings asked for it". On a burst pass where an alert's load needs more
// than the source's readings hold, the window recorded only the alert's
// need, expiring with its evidence; the source's hold was left to the
// records of earlier passes. When that pass was burst mode's last, the
// hold ended a down window after the pass before it: one pass inside the
// down window after the burst, the count fell below what the source asked
// for. The alert's own need is held through its evidence (within the down
// window), and the source's hold for a down window after the burst.
//
// Seen failing before: "9m55s after the burst ended (down window 10m0s),
// alert's load needing 25 on the last burst pass true: 10 (rate_limited:
// "rps 100 (1m0s avg) over target 50×0.9 on 20 ready wants 3; scale-down
// limit 0.5×20 → 10"), want 20 held" (the control, no alert, held).
func TestBurstHoldOutlivesAnAlertNeedOnItsLastPass(t *testing.T) {
	const down = 10 * time.Minute
	spec := specFrom(func(s *Spec) { s.Max, s.DownWindow = 40, down }) // 45 a replica
	for _, withAlert := range []bool{true, false} {
		now, st, cur := t0, State{}, uint64(2)
		pass := func(burst float64, sig *Signal) Decision {
			o := Observation{Replicas: cur, Available: cur, StableLoad: ptr(100), BurstLoad: ptr(burst),
				StableWindow: time.Minute, BurstWindow: 10 * time.Second, Signal: sig}
			d := Decide(spec, o, st, now)
			st, cur = d.Next, d.Replicas
			return d
		}
		if d := pass(900, nil); d.Replicas != 20 || d.Code != CodeBurst {
			t.Fatalf("setup: %d %s (%q), want burst to 20", d.Replicas, d.Code, d.Reason)
		}
		var ended, alertAt time.Time
		for i := 0; i < 200; i++ {
			now = now.Add(5 * time.Second)
			var sig *Signal
			if withAlert && now.Sub(t0) == time.Minute-5*time.Second { // burst mode's last pass
				// 1125/s needs 25: above the 20 the source holds, below a crossing (2 × 20 × 45).
				sig = &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Fingerprint: "a", StartsAt: now, Load: ptr(1125)}
				alertAt = now
			}
			d := pass(100, sig)
			if sig != nil && (d.Replicas != 25 || d.Code != CodeBurst) {
				t.Fatalf("setup: the alert's load needing 25 on burst mode's last pass: %d %s (%q)", d.Replicas, d.Code, d.Reason)
			}
			if ended.IsZero() && d.Next.BurstSince.IsZero() {
				ended = now
				if withAlert && now.Sub(alertAt) != 5*time.Second {
					t.Fatalf("setup: burst mode ended at %v, not the pass after the alert's (%v)", now.Sub(t0), alertAt.Sub(t0))
				}
			}
			if withAlert && now.Sub(alertAt) < time.Minute && down >= time.Minute && d.Replicas < 25 {
				t.Fatalf("%v after the alert's load needing 25 (its evidence 1m): %d (%s: %q), want 25 held", now.Sub(alertAt), d.Replicas, d.Code, d.Reason)
			}
			if !ended.IsZero() && now.Sub(ended) < down && d.Replicas < 20 {
				t.Errorf("%v after the burst ended (down window %v), alert's load needing 25 on the last burst pass %v: %d (%s: %q), want 20 held",
					now.Sub(ended), down, withAlert, d.Replicas, d.Code, d.Reason)
				break
			}
		}
		if ended.IsZero() || cur >= 20 {
			t.Fatalf("alert %v: burst never ended, or never came down (%d)", withAlert, cur)
		}
	}
}

package scaler

import (
	"math"
	"testing"
	"time"
)

func firing(fp string, startsAt time.Time) *Signal {
	return &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: fp, StartsAt: startsAt}
}

func resolved(fp string, startsAt time.Time) *Signal {
	return &Signal{Status: Resolved, AlertName: "APIHighInvocationRate", Fingerprint: fp, StartsAt: startsAt}
}

func stepSpec(edit func(*Spec)) Spec {
	return specFrom(func(s *Spec) {
		s.Type = TypeStep
		if edit != nil {
			edit(s)
		}
	})
}

func withSignal(cur uint64, sig *Signal) Observation {
	return Observation{Replicas: cur, Available: cur, Signal: sig}
}

func TestDecideStep(t *testing.T) {
	alertStart := t0.Add(-time.Minute)
	tests := []struct {
		name     string
		spec     Spec
		obs      Observation
		st       State
		want     uint64
		wantCode ReasonCode
	}{
		// Step = ceil(max × factor / 100): 20 × 20 % = 4.
		{name: "firing adds a step", spec: stepSpec(nil), obs: withSignal(1, firing("a", alertStart)), want: 5, wantCode: CodeStepUp},
		{name: "firing capped at max", spec: stepSpec(nil), obs: withSignal(18, firing("a", alertStart)), want: 20, wantCode: CodeStepUp},
		{name: "step rounds up", spec: stepSpec(func(s *Spec) { s.Max, s.Factor = 7, 10 }), obs: withSignal(1, firing("a", alertStart)),
			want: 2, wantCode: CodeStepUp},
		{name: "factor 100 goes straight to max", spec: stepSpec(func(s *Spec) { s.Factor = 100 }), obs: withSignal(1, firing("a", alertStart)),
			want: 20, wantCode: CodeStepUp},
		{name: "firing from zero", spec: stepSpec(nil), obs: withSignal(0, firing("a", alertStart)), want: 4, wantCode: CodeFromZero},
		{name: "firing from zero at least min", spec: stepSpec(func(s *Spec) { s.Min = 6 }), obs: withSignal(0, firing("a", alertStart)),
			want: 6, wantCode: CodeAtMin},
		{name: "duplicate delivery adds nothing", spec: stepSpec(nil), obs: withSignal(5, firing("a", alertStart)),
			st: State{StepKey: stepKey(firing("a", alertStart)), StepAt: t0.Add(-3 * time.Second)}, want: 5, wantCode: CodeDuplicate},
		{name: "repeat after the dedup interval steps again", spec: stepSpec(nil), obs: withSignal(5, firing("a", alertStart)),
			st: State{StepKey: stepKey(firing("a", alertStart)), StepAt: t0.Add(-30 * time.Second)}, want: 9, wantCode: CodeStepUp},
		{name: "a new firing episode steps at once", spec: stepSpec(nil), obs: withSignal(5, firing("a", t0)),
			st: State{StepKey: stepKey(firing("a", alertStart)), StepAt: t0.Add(-time.Second)}, want: 9, wantCode: CodeStepUp},
		{name: "no alert holds", spec: stepSpec(nil), obs: withSignal(7, nil), want: 7, wantCode: CodeSteady},
		{name: "no alert still clamps to max", spec: stepSpec(func(s *Spec) { s.Max = 5 }), obs: withSignal(7, nil), want: 5, wantCode: CodeAtMax},
		{name: "no alert at zero stays zero", spec: stepSpec(nil), obs: withSignal(0, nil), want: 0, wantCode: CodeAtZeroIdle},
		{name: "resolved at zero stays zero", spec: stepSpec(nil), obs: withSignal(0, resolved("a", alertStart)), want: 0, wantCode: CodeAtZeroIdle},
		{name: "resolved starts a gradual step down", spec: stepSpec(nil), obs: withSignal(10, resolved("a", alertStart)),
			want: 10, wantCode: CodeSteady},
		{name: "half way through the down window", spec: stepSpec(nil), obs: withSignal(10, nil),
			st: State{RampFrom: 10, RampStart: t0.Add(-time.Minute)}, want: 6, wantCode: CodeStepDown},
		{name: "end of the down window reaches min", spec: stepSpec(func(s *Spec) { s.Min = 2 }), obs: withSignal(6, nil),
			st: State{RampFrom: 10, RampStart: t0.Add(-2 * time.Minute)}, want: 2, wantCode: CodeStepDown},
		{name: "resolved with no down window drops to min", spec: stepSpec(func(s *Spec) { s.DownWindow = 0; s.Min = 3 }),
			obs: withSignal(10, resolved("a", alertStart)), want: 3, wantCode: CodeStepDown},
		{name: "resolved with min 0 stops at 1", spec: stepSpec(func(s *Spec) { s.DownWindow = 0; s.Min = 0 }),
			obs: withSignal(10, resolved("a", alertStart)), want: 1, wantCode: CodeStepDown},
		{name: "firing during step down cancels it", spec: stepSpec(nil), obs: withSignal(6, firing("b", t0)),
			st: State{RampFrom: 10, RampStart: t0.Add(-time.Minute)}, want: 10, wantCode: CodeStepUp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.spec, tc.obs, tc.st, t0)
			if d.Replicas != tc.want || d.Code != tc.wantCode {
				t.Errorf("Decide = %d (%s), want %d (%s); reason: %s", d.Replicas, d.Code, tc.want, tc.wantCode, d.Reason)
			}
		})
	}
}

// calculateReplicasCE is the OpenFaaS CE gateway's formula as the reference
// describes it, written from its text to check decideExactCE against.
func calculateReplicasCE(status string, current, maxReplicas, minReplicas, factor uint64) uint64 {
	maxp := min(maxReplicas, 5)
	step := uint64(math.Ceil(float64(maxp) / 100 * float64(factor)))
	if status == "firing" && step > 0 {
		return min(current+step, maxp)
	}
	return minReplicas
}

func TestDecideExactCE(t *testing.T) {
	for _, maxR := range []uint64{1, 3, 5, 20} {
		for _, minR := range []uint64{1, 2} {
			for _, factor := range []uint64{1, 10, 20, 25, 50, 100} {
				for _, cur := range []uint64{1, 2, 4, 5, 9} {
					for _, status := range []AlertStatus{Firing, Resolved} {
						if minR > maxR {
							continue
						}
						spec := stepSpec(func(s *Spec) { s.ExactCE, s.Min, s.Max, s.Factor = true, minR, maxR, factor })
						if spec.Static() {
							continue
						}
						sig := &Signal{Status: status, Fingerprint: "f", StartsAt: t0}
						d := Decide(spec, withSignal(cur, sig), State{}, t0)
						want := calculateReplicasCE(string(status), cur, maxR, minR, factor)
						if d.Replicas != want {
							t.Errorf("%s cur=%d min=%d max=%d factor=%d: got %d, CE gives %d (%s)", status, cur, minR, maxR, factor, d.Replicas, want, d.Reason)
						}
					}
				}
			}
		}
	}
}

func TestDecideExactCEDeviations(t *testing.T) {
	spec := stepSpec(func(s *Spec) { s.ExactCE, s.Min = true, 0 })
	tests := []struct {
		name     string
		obs      Observation
		st       State
		want     uint64
		wantCode ReasonCode
	}{
		{"resolved with min 0 floors at 1, not 0", withSignal(4, resolved("a", t0)), State{}, 1, CodeStepDown},
		{"resolved at zero stays zero", withSignal(0, resolved("a", t0)), State{}, 0, CodeAtZeroIdle},
		{"firing from zero steps", withSignal(0, firing("a", t0)), State{}, 1, CodeFromZero},
		{"tick holds without clamping", withSignal(9, nil), State{}, 9, CodeSteady},
		{"duplicate delivery ignored", withSignal(2, firing("a", t0)), State{StepKey: stepKey(firing("a", t0)), StepAt: t0}, 2, CodeDuplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(spec, tc.obs, tc.st, t0.Add(time.Second))
			if d.Replicas != tc.want || d.Code != tc.wantCode {
				t.Errorf("Decide = %d (%s), want %d (%s); reason: %s", d.Replicas, d.Code, tc.want, tc.wantCode, d.Reason)
			}
		})
	}
}

package scaler

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// Step mode with a huge com.openfaas.scale.max (any uint64 is accepted)
// still steps up on a firing alert: the step ceil(max × factor / 100) is
// computed without the uint64 overflow that made it 0.
//
// Seen failing before the fix (found by a review): step_overflow_test.go:29:
// step mode, max 18446744073709551615, factor 20, firing alert at 1 replica:
// decided 1 (step_up: "alert APIHighInvocationRate firing: 1 + step 0 (20%
// of max 18446744073709551615) → 1"); want a step up to 3689348814741910324
func TestStepModeHugeMaxStillStepsUp(t *testing.T) {
	fn := fnWith(map[string]string{LabelType: TypeStep, LabelMax: strconv.FormatUint(math.MaxUint64, 10)}, nil)
	spec, err := ParseSpec(fn, testDefaults())
	if err != nil {
		t.Fatalf("ParseSpec: %v (the label is accepted, so it must act sensibly)", err)
	}
	alertStart := t0.Add(-time.Minute)
	d := Decide(spec, withSignal(1, firing("a", alertStart)), State{}, t0)
	// ceil((2^64-1) × 20 / 100) = 3689348814741910323, plus the one replica.
	if want := uint64(3689348814741910324); d.Replicas != want {
		t.Errorf("step mode, max %d, factor %d, firing alert at 1 replica: decided %d (%s: %q); want a step up to %d",
			spec.Max, spec.Factor, d.Replicas, d.Code, d.Reason, want)
	}
}

// A firing alert never lowers the count: cur + step saturates at max
// instead of wrapping (a huge replica count and a huge step wrapped to a
// sum below cur, a scale-down on a firing alert), in step mode and in
// exact-CE mode alike.
//
// Seen failing before the fix (found by a review; stepSize kept, only the
// saturating adds reverted): step_overflow_test.go:51: firing alert at
// 16602069666338596449 replicas, max 18446744073709551615: decided
// 16602069666338596448 (step_up); want max; and step_overflow_test.go:58:
// exact CE, firing alert at 18446744073709551615 replicas: decided 0
// (step_up: "exact CE: alert APIHighInvocationRate firing:
// min(18446744073709551615 + 1, 5) → 0"); want 5
func TestStepModeFiringSaturatesAtMax(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Type, s.Max, s.Factor = TypeStep, math.MaxUint64, 100 })
	cur := uint64(math.MaxUint64 / 10 * 9)
	d := Decide(spec, withSignal(cur, firing("a", t0.Add(-time.Minute))), State{}, t0)
	if d.Replicas != spec.Max {
		t.Errorf("firing alert at %d replicas, max %d: decided %d (%s); want max", cur, spec.Max, d.Replicas, d.Code)
	}
	// Exact CE caps at min(max, 5); a count at the top of the range wrapped
	// to 0 when the step was added.
	spec.ExactCE, spec.Factor = true, 20
	d = Decide(spec, withSignal(math.MaxUint64, firing("a", t0.Add(-time.Minute))), State{}, t0)
	if d.Replicas != ceMaxReplicas {
		t.Errorf("exact CE, firing alert at %d replicas: decided %d (%s: %q); want %d", uint64(math.MaxUint64), d.Replicas, d.Code, d.Reason, ceMaxReplicas)
	}
}

// stepSize equals the old uint64 formula wherever that did not overflow,
// and addCapped equals min(cur+step, limit) wherever the sum did not wrap.
func TestStepSizeMatchesFormulaWithoutOverflow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(mx, f uint64) {
		if hi, lo := mulAdd(mx, f); hi != 0 {
			return // the old formula overflowed here
		} else if got, want := stepSize(mx, f), lo/100; got != want {
			t.Errorf("stepSize(%d, %d) = %d, want %d", mx, f, got, want)
		}
	}
	for mx := range uint64(1000) {
		for f := uint64(1); f <= 100; f++ {
			check(mx, f)
		}
	}
	for range 100000 {
		check(r.Uint64()>>r.UintN(64), 1+r.Uint64N(100))
	}
	for f := uint64(1); f <= 100; f++ {
		// The largest max the old formula handled, and the smallest it did not.
		edge := (math.MaxUint64 - 99) / f
		check(edge, f)
		if got := stepSize(edge+1, f); got == 0 || got > edge+1 {
			t.Errorf("stepSize(%d, %d) = %d, want in [1, max]", edge+1, f, got)
		}
		if got, want := stepSize(math.MaxUint64, f), uint64((uint64(math.MaxUint64)/100)*f+((uint64(math.MaxUint64)%100)*f+99)/100); got != want {
			t.Errorf("stepSize(MaxUint64, %d) = %d, want %d", f, got, want)
		}
	}
	for range 100000 {
		cur, step, limit := r.Uint64()>>r.UintN(64), r.Uint64()>>r.UintN(64), r.Uint64()>>r.UintN(64)
		got := addCapped(cur, step, limit)
		if sum := cur + step; sum >= cur { // no wrap
			if want := min(sum, limit); got != want {
				t.Errorf("addCapped(%d, %d, %d) = %d, want %d", cur, step, limit, got, want)
			}
		} else if got != limit {
			t.Errorf("addCapped(%d, %d, %d) = %d, want the limit", cur, step, limit, got)
		}
	}
}

// mulAdd is mx×f+99 as a 128-bit (hi, lo) pair, written naively so that it
// does not share stepSize's code.
func mulAdd(mx, f uint64) (hi, lo uint64) {
	lo = mx * f
	if f != 0 && lo/f != mx {
		return 1, 0
	}
	if lo+99 < lo {
		return 1, 0
	}
	return 0, lo + 99
}

package reaction

import (
	"math"
	"testing"
	"time"
)

func TestSurplus(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	sample := func(s float64, desired, available uint64) Sample {
		return Sample{At: at(s), Desired: desired, Available: available}
	}
	tests := []struct {
		name    string
		samples []Sample
		want    float64
	}{
		{
			// 4 above min 1 for 10 s, 2 above for 5 s, then at min: 40 + 10.
			name:    "held then stepped down",
			samples: []Sample{sample(-1, 5, 5), sample(0.5, 5, 5), sample(10, 3, 3), sample(15, 1, 1), sample(20, 1, 1)},
			want:    4*10 + 2*5,
		},
		{
			// Desired already at min but a replica still available for 2 s:
			// it costs until it is gone (seen failing: counting desired
			// alone gives 3).
			name:    "available lags desired",
			samples: []Sample{sample(0, 2, 2), sample(3, 1, 2), sample(5, 1, 1)},
			want:    1 * 5,
		},
		{
			name:    "never back at min is not a figure",
			samples: []Sample{sample(0, 2, 2), sample(100, 2, 2)},
			want:    math.NaN(),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, measured := Surplus(Phase{Step: t0, Need: 1, Samples: tc.samples})
			if !measured || math.IsNaN(tc.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("Surplus = %v (measured %v), want %v", got, measured, tc.want)
			}
		})
	}
}

// The HPA model holds the step's 4 replicas for its whole 300 s window after
// the load stops, then drops through what its 1 m metric recommended on the
// way: at least 3 × 300 replica-seconds, at most 3 × (300 + 60 + 15).
//
// Seen failing: with DownStabilisation 0 in hpaPeer the model reads 0.
func TestHPASurplusHoldsTheWindow(t *testing.T) {
	got := HPASurplus(StepRPS, Target, NeedDown)
	if lo, hi := 3*300.0, 3*(300.0+60+15); !(got >= lo && got <= hi) {
		t.Errorf("HPASurplus = %v replica-s, want within [%v, %v]", got, lo, hi)
	}
}

// TestNotMeasuredIsNotNeverBack: a way down that started at the need has
// no figure and is left out of the median; a way down that never got back
// stays the worst run (MedianFloat's NaN). Seen failing before the flag:
// the first read 0 replica-s, the best figure.
func TestNotMeasuredIsNotNeverBack(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	atNeed := Phase{Step: t0, Need: 1, Samples: []Sample{{At: at(1), Desired: 1, Available: 1}, {At: at(60), Desired: 1, Available: 1}}}
	if s, measured := Surplus(atNeed); measured {
		t.Errorf("Surplus of a way down from the need = %v, want not measured", s)
	}
	if m := Measure(atNeed); !m.NotMeasured || m.Ready != NotReached {
		t.Errorf("Measure of a way down from the need = %+v, want NotMeasured", m)
	}
	neverBack := Phase{Step: t0, Need: 1, Samples: []Sample{{At: at(1), Desired: 2, Available: 2}}}
	if s, measured := Surplus(neverBack); !math.IsNaN(s) || !measured {
		t.Errorf("Surplus of a way down never back = %v (measured: %v), want NaN, measured", s, measured)
	}
	noSamples := Phase{Step: t0, Need: 1}
	if _, measured := Surplus(noSamples); !measured || Measure(noSamples).NotMeasured {
		t.Errorf("a way down with no sample after the step read as not measured, want never back")
	}
	nan := math.NaN()
	ok := Timings{}
	nm := Timings{NotMeasured: true}
	for _, tc := range []struct {
		down    []Timings
		in      []float64
		want    float64
		notMeas bool
	}{
		{[]Timings{nm, ok, ok}, []float64{0, 1, 3}, 2, false},
		{[]Timings{nm, nm, ok}, []float64{0, 0, 3}, 3, false},
		{[]Timings{ok, nm, ok}, []float64{nan, 0, 1}, nan, false},
		{[]Timings{ok, nm, ok, ok}, []float64{nan, 0, 1, 2}, 2, false},
		{[]Timings{nm}, []float64{0}, 0, true},
		{[]Timings{nm, nm}, []float64{nan, 7}, 0, true}, // a flagged run's number is never read
	} {
		got, measured := medianSurplus(tc.down, tc.in)
		switch {
		case tc.notMeas:
			if measured {
				t.Errorf("medianSurplus(%v) = %v, want not measured", tc.in, got)
			}
		case !measured || got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want)):
			t.Errorf("medianSurplus(%v) = %v (measured: %v), want %v", tc.in, got, measured, tc.want)
		}
	}
}

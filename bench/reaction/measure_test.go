package reaction

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

func TestMeasure(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	call := func(s float64, from, to uint64) memory.ScaleCall {
		return memory.ScaleCall{At: at(s), From: from, To: to, Requested: to}
	}
	sample := func(s float64, desired, available uint64) Sample {
		return Sample{At: at(s), Desired: desired, Available: available}
	}
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	tests := []struct {
		name  string
		phase Phase
		want  Timings
	}{
		{
			name: "up in steps: first call, need reached by a later call, ready after the cold start",
			phase: Phase{Step: t0, Need: 4, Up: true,
				Calls:   []memory.ScaleCall{call(3, 1, 2), call(33, 2, 3), call(63, 3, 4)},
				Samples: []Sample{sample(1, 1, 1), sample(64, 4, 3), sample(65, 4, 4)}},
			want: Timings{FirstCall: sec(3), Requested: sec(63), Ready: sec(65)},
		},
		{
			name: "up at once past the need",
			phase: Phase{Step: t0, Need: 4, Up: true,
				Calls:   []memory.ScaleCall{call(2.5, 1, 5)},
				Samples: []Sample{sample(2.6, 5, 1), sample(4.6, 5, 5)}},
			want: Timings{FirstCall: sec(2.5), Requested: sec(2.5), Ready: sec(4.6)},
		},
		{
			name: "calls before the step, failed calls and calls the wrong way do not count",
			phase: Phase{Step: t0, Need: 4, Up: true,
				Calls: []memory.ScaleCall{call(-5, 5, 1), {At: at(1), From: 1, To: 1, Requested: 4, Err: errors.New("boom")},
					call(2, 1, 1), call(4, 1, 4)},
				Samples: []Sample{sample(-1, 4, 4), sample(7, 4, 4)}},
			want: Timings{FirstCall: sec(4), Requested: sec(4), Ready: sec(7)},
		},
		{
			name: "never reached",
			phase: Phase{Step: t0, Need: 4, Up: true,
				Calls:   []memory.ScaleCall{call(3, 1, 2)},
				Samples: []Sample{sample(5, 2, 2)}},
			want: Timings{FirstCall: sec(3), Requested: NotReached, Ready: NotReached},
		},
		{
			// CE short of its need when the load steps down (the bench's
			// 4 minutes passed): a repeat of the still-firing alert adds a
			// replica after the step down. That call is not the way up
			// reaching its need; the samples already stop at End.
			name: "calls from End on belong to the next phase",
			phase: Phase{Step: t0, End: at(270), Need: 4, Up: true,
				Calls:   []memory.ScaleCall{call(30, 1, 2), call(60, 2, 3), call(285, 3, 4)},
				Samples: []Sample{sample(62, 3, 3), sample(269, 3, 3)}},
			want: Timings{FirstCall: sec(30), Requested: NotReached, Ready: NotReached},
		},
		{
			name: "down through the window",
			phase: Phase{Step: t0, Need: 1, Up: false,
				Calls:   []memory.ScaleCall{call(1, 4, 5), call(120, 5, 3), call(125, 3, 1)},
				Samples: []Sample{sample(0.5, 5, 5), sample(125.1, 1, 1)}},
			want: Timings{FirstCall: sec(120), Requested: sec(125), Ready: sec(125.1)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Measure(tc.phase)); diff != "" {
				t.Errorf("Measure (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"odd", []time.Duration{3 * s, 1 * s, 2 * s}, 2 * s},
		{"even averages the middle two", []time.Duration{4 * s, 1 * s, 2 * s, 3 * s}, 2500 * time.Millisecond},
		{"a run not reached is slower than every reached one", []time.Duration{NotReached, 1 * s, 3 * s}, 3 * s},
		{"one of four not reached", []time.Duration{2 * s, NotReached, 1 * s, 4 * s}, 3 * s},
		{"half not reached is not reached", []time.Duration{NotReached, 1 * s, NotReached, 3 * s}, NotReached},
		{"a majority not reached is not reached", []time.Duration{NotReached, NotReached, 3 * s}, NotReached},
		{"empty", nil, NotReached},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Median(tc.in); got != tc.want {
				t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	if got := Ratio(60*time.Second, 3*time.Second); got != 20 {
		t.Errorf("Ratio(60s, 3s) = %g, want 20", got)
	}
	if got := Ratio(NotReached, time.Second); !math.IsNaN(got) {
		t.Errorf("Ratio with a missing value = %g, want NaN", got)
	}
}

// TestMedianFloat: a run that never got back (NaN) counts as more surplus
// than every run that did, never as a run left out.
func TestMedianFloat(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{nan, 1, 3}, 3},
		{[]float64{2, nan, 1, 4}, 3},
		{[]float64{nan, 1, nan, 3}, nan},
		{nil, nan},
	} {
		got := MedianFloat(tc.in)
		if got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("MedianFloat(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

package eval

import (
	"cmp"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// arrivalRecorder is a policy that records the time of every request the
// replay sends it (and keeps one replica, which does not change arrivals).
type arrivalRecorder struct{ at *[]time.Time }

func (arrivalRecorder) Name() string { return "recorder" }
func (p arrivalRecorder) NewController(sim.FunctionInfo, time.Time) sim.Controller {
	return recorderCtl(p)
}

type recorderCtl struct{ at *[]time.Time }

func (c recorderCtl) Arrival(now time.Time, _ sim.State) sim.Decision {
	*c.at = append(*c.at, now)
	return sim.Decision{Replicas: 1}
}
func (recorderCtl) Wake(time.Time, sim.State) sim.Decision { return sim.Decision{Replicas: sim.Keep} }

// TestP75PriceDrawsTheReplaysArrivals: docs/sim.md, "Evaluation matrix",
// says the p75 price is solved "knowing every arrival of the cell (drawn as
// the replay draws them: the same generator per function and seed)". The
// replay (sim/engine.go, replay.arrive) draws each request's execution time
// from the same generator as the arrivals when the function has durations,
// which every Azure trace's functions have; a model drawing only the
// minutes' offsets gets other arrivals from the second minute with calls
// on, and prices gaps that did not happen in the replay.
//
// Hand-checkable expectation: for a function with 4 calls in minute 0 and 4
// in minute 1 (and a window starting at minute 1, as a half-day cell's
// does), the model's gaps must equal the gaps between the arrivals the
// replay delivered (to within float rounding), with durations and without
// (no execution-time draws then), for uniform and burst arrivals.
func TestP75PriceDrawsTheReplaysArrivals(t *testing.T) {
	d := trace.Durations{AverageMs: 500, MinMs: 100, MaxMs: 900, Count: 8,
		Pct: [7]float64{100, 110, 300, 500, 700, 890, 900}}
	for _, tc := range []struct {
		name     string
		dur      *trace.Durations
		arrivals trace.ArrivalModel
		from     int
		pos      []int // the function's place in the loaded trace (a sample's)
	}{
		{"uniform, durations", &d, trace.Uniform, 0, nil},
		{"burst, durations", &d, trace.Burst, 0, nil},
		{"uniform, no durations", nil, trace.Uniform, 0, nil},
		{"uniform, durations, from minute 1", &d, trace.Uniform, 1, nil},
		{"sampled: drawn by its place in the loaded trace", &d, trace.Uniform, 0, []int{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &trace.Trace{Dir: "price", Minutes: 4, Functions: []trace.Function{
				{ID: "f", PerMinute: []uint32{4, 4, 4, 0}, Duration: tc.dur}}, Positions: tc.pos}
			cfg := sim.DefaultConfig()
			cfg.Seed = 3
			cfg.Arrivals = tc.arrivals
			cfg.FromMinute = tc.from
			var at []time.Time
			if _, err := sim.Run(tr, cfg, []sim.Policy{arrivalRecorder{at: &at}}, nil); err != nil {
				t.Fatal(err)
			}
			calls := 12 - 4*tc.from
			if len(at) != calls {
				t.Fatalf("replay delivered %d arrivals, want %d", len(at), calls)
			}
			var replayGaps []float64
			for i := 1; i < len(at); i++ {
				replayGaps = append(replayGaps, at[i].Sub(at[i-1]).Seconds())
			}
			slices.SortFunc(replayGaps, func(a, b float64) int { return cmp.Compare(b, a) })

			m := newKeepModel(&tr.Functions[0], tr.Position(0), tc.from, 4-tc.from, cfg.Seed, cfg.Arrivals)
			if m.n != calls || len(m.gaps) != calls-1 {
				t.Fatalf("model: %d calls, %d gaps; want %d and %d", m.n, len(m.gaps), calls, calls-1)
			}
			for i := range replayGaps {
				if math.Abs(replayGaps[i]-m.gaps[i]) > 1e-6 {
					t.Errorf("gaps differ (longest first):\n model  %v\n replay %v", m.gaps, replayGaps)
					break
				}
			}
		})
	}
}

package reaction

import (
	"math"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
)

// Surplus is the way down's cost: the replica-seconds held above the need
// from the step until the function is back at it, ∫ (max(desired,
// available) − need)⁺ dt over the polled samples (a replica counts until it
// is gone, whichever count still holds it). NaN when the phase ended before
// both counts were back at the need: a lower bound is not a figure.
// NotMeasured (a NaN of its own) when nothing was above the need at the
// step (wayDownMeasured): no way down happened, and 0 would be the best
// figure for a run whose way up never left the need.
func Surplus(p Phase) float64 {
	if !wayDownMeasured(p) {
		return NotMeasured
	}
	var sum float64
	var prev *Sample
	for i := range p.Samples {
		s := &p.Samples[i]
		if s.At.Before(p.Step) {
			continue
		}
		if prev != nil {
			held := max(prev.Desired, prev.Available)
			if held > p.Need {
				sum += float64(held-p.Need) * s.At.Sub(prev.At).Seconds()
			}
		} else if held := max(s.Desired, s.Available); held > p.Need {
			// The first sample after the step stands for the time since it.
			sum += float64(held-p.Need) * s.At.Sub(p.Step).Seconds()
		}
		if s.Desired <= p.Need && s.Available <= p.Need {
			return sum
		}
		prev = s
	}
	return math.NaN()
}

// NotMeasured is a surplus with no figure: the run had no way down to
// measure (Surplus). It is a NaN, so no sum or comparison takes it for a
// number, but a NaN of its own (IsNotMeasured), apart from the NaN of a run
// that never got back: that one counts as the worst run, this one as no
// run.
var NotMeasured = math.Float64frombits(notMeasuredBits)

// notMeasuredBits is a quiet NaN whose payload differs from math.NaN()'s.
const notMeasuredBits = 0x7ff8_0000_0000_0bad

// IsNotMeasured reports whether x is NotMeasured (not any NaN).
func IsNotMeasured(x float64) bool { return math.Float64bits(x) == notMeasuredBits }

// MedianFloat of the runs' surplus, as Median: a run that never got back
// (NaN) counts as more than every run that did, and the median is NaN when
// the middle run(s) did not get back. Leaving such runs out would flatter.
// A run NotMeasured had no way down and is left out: counted as never back
// it would blame the way down for the way up. NotMeasured when every run
// was.
func MedianFloat(xs []float64) float64 {
	measured := slices.DeleteFunc(slices.Clone(xs), IsNotMeasured)
	if len(measured) == 0 && len(xs) > 0 {
		return NotMeasured
	}
	m, ok := censoredMedian(measured, math.IsNaN)
	if !ok {
		return math.NaN()
	}
	return m
}

// requestDuration is the gateway simulator's service time for SetRPS loads
// (gatewaysim.SetRPS): it turns a rate into the concurrency the HPA peer
// reads (Little's law: 200/s × 50 ms = 10 in flight).
const requestDuration = 50 * time.Millisecond

// HPASurplus is what the Kubernetes HPA would hold on the same way down, by
// the simulator's HPA peer (sim/peers: autoscaling/v2 defaults, 300 s
// scale-down stabilisation, 15 s sync, 1 m metric window), targeting the
// same load per replica: the load holds at rps until the HPA is steady at
// ceil(rps/target), then stops; the surplus is integrated from the stop
// until the HPA is back at need. The HPA's sync phase against the stop is
// unknown, so every whole second of its 15 s period is tried and the median
// returned. Its metric pipeline adds no delay here (a real one adds a
// scrape and an adapter's window), which flatters the HPA.
func HPASurplus(rps, target float64, need uint64) float64 {
	h := hpaPeer(target, need)
	var out []float64
	for phase := time.Duration(0); phase < h.Sync; phase += time.Second {
		out = append(out, hpaWayDown(h, hpaConcurrency, rps*requestDuration.Seconds(), phase, int(need)))
	}
	return MedianFloat(out)
}

// hpaConcurrency is the FunctionInfo.Concurrency the peer is given; only
// TargetUtilisation × it matters.
const hpaConcurrency = 1000

// hpaPeer is the simulator's HPA with its defaults, aimed at target/s per
// replica: the peer targets TargetUtilisation × Concurrency in flight per
// replica, and target/s × requestDuration is that load.
func hpaPeer(target float64, need uint64) peers.HPA {
	h := peers.DefaultHPA()
	h.TargetUtilisation = target * requestDuration.Seconds() / hpaConcurrency
	h.Min = int(need)
	return h
}

// hpaWayDown runs the peer on inflight requests in flight until its
// stabilisation window has long passed, stops the load phase after a sync,
// and integrates the replicas above need until it is back at need.
func hpaWayDown(h peers.HPA, conc int, inflight float64, phase time.Duration, need int) float64 {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	stop := start.Add(2*h.DownStabilisation + phase)
	ctl := h.NewController(sim.FunctionInfo{ID: "step", Concurrency: conc}, start)
	desired := h.Min
	if s, ok := ctl.(sim.Starter); ok {
		if d := s.Start(start); d.Replicas != sim.Keep {
			desired = d.Replicas
		}
	}
	loadAt := func(t time.Time) float64 { // ∫ in-flight dt since start
		if t.After(stop) {
			t = stop
		}
		return inflight * t.Sub(start).Seconds()
	}
	var surplus float64
	last := stop
	for now := start.Add(h.Sync); now.Before(stop.Add(time.Hour)); now = now.Add(h.Sync) {
		if now.After(stop) {
			surplus += float64(max(desired-need, 0)) * now.Sub(last).Seconds()
			last = now
		}
		d := ctl.Wake(now, sim.State{Desired: desired, Ready: desired, LoadSeconds: loadAt(now)})
		if d.Replicas != sim.Keep {
			desired = d.Replicas
		}
		if now.After(stop) && desired <= need {
			return surplus
		}
	}
	return math.NaN()
}

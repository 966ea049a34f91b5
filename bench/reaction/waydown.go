package reaction

import (
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
)

// Surplus is the way down's cost: the replica-seconds held above the need
// from the step until the function is back at it, ∫ (max(desired,
// available) − need)⁺ dt over the polled samples (a replica counts until it
// is gone, whichever count still holds it). NaN when the phase ended before
// both counts were back at the need: a lower bound is not a figure.
// measured is false when nothing was above the need at the step
// (wayDownMeasured, Measure's NotMeasured): no way down happened, and 0
// would be the best figure for a run whose way up never left the need.
func Surplus(p Phase) (replicaSeconds float64, measured bool) {
	if !wayDownMeasured(p) {
		return 0, false
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
			return sum, true
		}
		prev = s
	}
	return math.NaN(), true
}

// MedianFloat of the runs' surplus, as Median: a run that never got back
// (NaN) counts as more than every run that did, and the median is NaN when
// the middle run(s) did not get back. Leaving such runs out would flatter.
func MedianFloat(xs []float64) float64 {
	m, ok := censoredMedian(xs, math.IsNaN)
	if !ok {
		return math.NaN()
	}
	return m
}

// medianSurplus is MedianFloat of the surplus of the runs whose way down
// was measured (down[i], Measure's NotMeasured flag, for xs[i]); measured
// is false when no run's was. A run without a way down is left out by its
// flag, not by its number: counted as never back it would blame the way
// down for the way up, and a NaN told apart by its bits (as it was) was
// lost by a text round trip (strconv writes every NaN "NaN") or a sum with
// another NaN.
func medianSurplus(down []Timings, xs []float64) (replicaSeconds float64, measured bool) {
	var kept []float64
	for i, x := range xs {
		if i < len(down) && down[i].NotMeasured {
			continue
		}
		kept = append(kept, x)
	}
	if len(kept) == 0 && len(xs) > 0 {
		return 0, false
	}
	return MedianFloat(kept), true
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

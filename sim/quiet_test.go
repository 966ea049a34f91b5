package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestScaleOfAQuietFunctionStartsAtThePass: a fleet's replay leaves a
// function at zero with nothing to do where it is between passes (it is
// not moved to every pass's time); a scale call on it must still start its
// replica at the pass's time, not at the last time it was moved to.
func TestScaleOfAQuietFunctionStartsAtThePass(t *testing.T) {
	tr := &trace.Trace{Dir: "x", Minutes: 4, Functions: []trace.Function{
		{ID: "quiet", PerMinute: []uint32{0, 0, 0, 3}}, {ID: "busy", PerMinute: []uint32{60, 60, 60, 60}}}}
	cfg := sim.DefaultConfig()
	cfg.Workers = 1
	p := &quietProbe{t: t, coldStart: cfg.ColdStart}
	rs, err := sim.Run(tr, cfg, []sim.Policy{p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.checked != 2 {
		t.Fatalf("%d of 2 checks ran", p.checked)
	}
	// One replica from the scale call at 30 s to the end (the probe never
	// scales it down, and its calls fit on it).
	if got, want := rs[0].Functions[0].ReplicaSeconds, (4*time.Minute - 30*time.Second).Seconds(); math.Abs(got-want) > 1e-6 {
		t.Errorf("replica-seconds %.6f, want %.6f: the replica was not started at the pass", got, want)
	}
}

// quietProbe passes every second and scales function 0 to one replica at
// 30 s, then checks it is starting for one cold-start delay.
type quietProbe struct {
	t         *testing.T
	plat      sim.Platform
	start     time.Time
	now       time.Time
	coldStart time.Duration
	checked   int
}

func (p *quietProbe) Name() string { return "quiet-probe" }

func (p *quietProbe) NewFleet(_ []sim.FunctionInfo, start time.Time, plat sim.Platform) (sim.Fleet, error) {
	p.plat, p.start, p.now = plat, start, start.Add(-time.Second)
	return p, nil
}

func (p *quietProbe) Arrival(int, time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep}
}

func (p *quietProbe) Next() time.Time { return p.now.Add(time.Second) }

func (p *quietProbe) Pass(now time.Time) {
	p.now = now
	at := now.Sub(p.start)
	s := p.plat.State(0)
	switch {
	case at == 30*time.Second:
		p.plat.Scale(0, 1)
	case at == 30*time.Second+p.coldStart-time.Second:
		p.checked++
		if s.Ready != 0 || s.Starting != 1 {
			p.t.Errorf("at %s: ready %d, starting %d; want 0 and 1 (scaled at 30 s, cold start %s)", at, s.Ready, s.Starting, p.coldStart)
		}
	case at == 30*time.Second+p.coldStart+time.Second: // events at a pass's time follow it
		p.checked++
		if s.Ready != 1 {
			p.t.Errorf("at %s: ready %d, want 1", at, s.Ready)
		}
	}
}

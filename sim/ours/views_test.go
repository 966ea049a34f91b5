package ours

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestAllCountsAreStatesAtEveryRead: the platform's AllReplicas and
// AllGateways (what the listing and the page read) are brought up to date
// only for the replays called since each was last read; at every read
// they must be what each replay's State says: after a pass's sync
// (arrivals, completions, readiness), after a Scale within the pass, read
// again in the same pass, and when a fleet's Arrival reads them in the
// middle of a sync, or scales a function the sync has not reached yet and
// reads it. Seen failing with the sync's stamp left out (arrivals not
// seen), with the Scale's left out (desired not seen), and with one tick
// per sync rather than per call (a read within the sync hid the calls
// after it).
func TestAllCountsAreStatesAtEveryRead(t *testing.T) {
	tr := &trace.Trace{Dir: "x", Minutes: 4, Functions: []trace.Function{
		{ID: "f", PerMinute: []uint32{30, 0, 60, 5}}, {ID: "g", PerMinute: []uint32{40, 90, 0, 1}},
		{ID: "h", PerMinute: []uint32{200, 200, 0, 0}}, {ID: "i", PerMinute: []uint32{0, 0, 0, 0}}}}
	cfg := sim.DefaultConfig()
	cfg.Workers = 1
	p := &viewsProbe{t: t}
	if _, err := sim.Run(tr, cfg, []sim.Policy{p}, nil); err != nil {
		t.Fatal(err)
	}
	if p.checks < 1000 {
		t.Fatalf("only %d checks", p.checks)
	}
}

// viewsProbe is a fleet policy that reads every function's counts, scales
// each up or down every few passes, and reads it again at once.
type viewsProbe struct {
	t        *testing.T
	plat     sim.Platform
	n        int
	now      time.Time
	passes   int
	arrivals int
	checks   int
}

func (p *viewsProbe) Name() string { return "views-probe" }

func (p *viewsProbe) NewFleet(fns []sim.FunctionInfo, start time.Time, plat sim.Platform) (sim.Fleet, error) {
	p.plat, p.n, p.now = plat, len(fns), start
	return p, nil
}

// Arrival reads the counts in the middle of a sync, before the replays
// after this one are called, and now and then scales the next function
// (not synced yet: its Scale replays its events up to the pass) and reads
// them again.
func (p *viewsProbe) Arrival(fn int, _ time.Time, _ sim.State) sim.Decision {
	_, _ = p.plat.AllReplicas(), p.plat.AllGateways()
	if p.arrivals++; fn+1 < p.n && p.arrivals%7 == 0 {
		p.plat.Scale(fn+1, p.arrivals%3)
		p.check(fn+1, "after a scale within a sync")
	}
	return sim.Decision{Replicas: sim.Keep}
}

func (p *viewsProbe) Next() time.Time { return p.now.Add(700 * time.Millisecond) }

func (p *viewsProbe) Pass(now time.Time) {
	p.now = now
	p.passes++
	for i := range p.n {
		p.check(i, "after the sync")
	}
	for i := range p.n {
		if (p.passes+i)%3 == 0 { // some functions left alone: quiet at zero, or serving
			p.plat.Scale(i, (p.passes/3+i)%4)
			p.check(i, "after a scale")
		}
	}
}

func (p *viewsProbe) check(i int, when string) {
	s := p.plat.State(i)
	if got, want := p.plat.AllReplicas()[i], (sim.ReplicaCounts{Desired: s.Desired, Ready: s.Ready}); got != want {
		p.t.Fatalf("function %d at %s, %s: AllReplicas %+v; State says %+v", i, p.now, when, got, want)
	}
	want := sim.GatewayCounts{Arrivals: s.Arrivals, Started: s.Started, Completed: s.Completed,
		InGateway: s.Inflight + s.Queued, CompletedSeconds: s.CompletedSeconds}
	if got := p.plat.AllGateways()[i]; got != want {
		p.t.Fatalf("function %d at %s, %s: AllGateways %+v; State says %+v", i, p.now, when, got, want)
	}
	p.checks++
}

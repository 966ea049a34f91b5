package ours

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// idlePlatform is a sim.Platform of functions never invoked.
type idlePlatform struct{}

func (idlePlatform) State(int) sim.State           { return sim.State{} }
func (idlePlatform) Scale(int, int)                {}
func (idlePlatform) Replicas(int) (int, int)       { return 0, 0 }
func (idlePlatform) Gateway(int) sim.GatewayCounts { return sim.GatewayCounts{} }

// AllReplicas and AllGateways are the test's one function (or none,
// sliced by a fleet of none).
func (idlePlatform) AllReplicas() []sim.ReplicaCounts { return []sim.ReplicaCounts{{}} }
func (idlePlatform) AllGateways() []sim.GatewayCounts { return []sim.GatewayCounts{{}} }

// TestNextIsTheEarliestScheduleWithoutAllocating: the replay asks the fleet
// for its next time at every step; the answer is the earliest of the parts'
// schedules, and asking allocates nothing.
func TestNextIsTheEarliestScheduleWithoutAllocating(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	fl, err := Default().NewFleet([]sim.FunctionInfo{{Index: 0, Concurrency: 1}}, start, idlePlatform{})
	if err != nil {
		t.Fatal(err)
	}
	f := fl.(*fleet)
	f.nextScrape, f.nextScale = start.Add(3*time.Second), start.Add(7*time.Second)
	f.nextIdle, f.nextPreWarm, f.nextFeed = start.Add(9*time.Second), start.Add(2*time.Second), start.Add(5*time.Second)
	if got, want := f.Next(), start.Add(2*time.Second); !got.Equal(want) {
		t.Fatalf("Next = %s, want the pre-warmer's %s", got.Sub(start), want.Sub(start))
	}
	if n := testing.AllocsPerRun(100, func() { f.Next() }); n != 0 {
		t.Errorf("Next allocates %.0f times, want none", n)
	}
}

package peers

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestHPAMetricWindowReusesItsSamples: the HPA (and KEDA's HPA) samples the
// load at every 15 s sync and keeps the last minute of samples. Dropping
// the old ones by reslicing from the front shrank the slice's capacity by
// one a sync, so every few syncs append copied the window to a new array:
// 420 000 allocations, 126 MB, a third of all the bytes the day's replay
// of every policy allocated. A window that keeps its length must keep its
// array.
func TestHPAMetricWindowReusesItsSamples(t *testing.T) {
	c := newHPACore(DefaultHPA(), sim.FunctionInfo{Concurrency: 10})
	now := time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC)
	s := sim.State{Desired: 1, Ready: 1}
	sync := func() {
		now = now.Add(15 * time.Second)
		s.LoadSeconds += 15
		if m, ok := c.metric(now, s); ok && m != 1 {
			t.Fatalf("metric %v at a steady concurrency of 1; want 1", m)
		}
	}
	// The first syncs grow the window to its size: that is not per sync.
	for range 20 {
		sync()
	}
	// A hundred syncs a run: AllocsPerRun rounds down to whole allocations
	// a run, and the window only moves to a new array every few syncs.
	hundred := func() {
		for range 100 {
			sync()
		}
	}
	if allocs := testing.AllocsPerRun(10, hundred); allocs != 0 {
		t.Errorf("100 syncs' metrics allocate %v times once the window has its size; want 0", allocs)
	}
}

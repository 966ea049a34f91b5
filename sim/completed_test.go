package sim_test

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// probe keeps one replica from the start and reads the function's State
// every second: what a scrape of the gateway would see.
type probe struct{ seen *[]sim.State }

func (p probe) Name() string { return "probe" }
func (p probe) NewController(_ sim.FunctionInfo, start time.Time) sim.Controller {
	return &probeCtl{seen: p.seen, next: start}
}

type probeCtl struct {
	seen *[]sim.State
	next time.Time
}

func (c *probeCtl) Start(now time.Time) sim.Decision {
	c.next = now.Add(time.Second)
	return sim.Decision{Replicas: 1, Wake: c.next}
}
func (c *probeCtl) Arrival(time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep, Wake: c.next}
}
func (c *probeCtl) Wake(now time.Time, s sim.State) sim.Decision {
	*c.seen = append(*c.seen, s)
	c.next = now.Add(time.Second)
	return sim.Decision{Replicas: sim.Keep, Wake: c.next}
}

// TestCompletedCountsRequestsWhenTheyEnd: the duration histogram's count
// and sum grow when a request ends, by its time from arrival (wait
// included), and never while it runs. Three requests of 1 s on one warm
// replica of concurrency 1, arriving within one second: the second waits
// for the first and the third for both, so at the end 3 requests took
// 1 + (2 − x) + (3 − y) s, x and y < 1 their arrivals' offsets: over 4 s (3
// if waits were left out), and equal to the load's integral.
func TestCompletedCountsRequestsWhenTheyEnd(t *testing.T) {
	var seen []sim.State
	cfg := sim.DefaultConfig()
	cfg.Concurrency = 1
	cfg.DefaultExec = time.Second
	cfg.Arrivals = trace.Burst
	if _, err := sim.Run(oneFunction(3, 0), cfg, []sim.Policy{probe{seen: &seen}}, nil); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 100 {
		t.Fatalf("probed %d times, want about 120", len(seen))
	}
	var prev sim.State
	for i, s := range seen {
		if s.Completed < prev.Completed || s.CompletedSeconds < prev.CompletedSeconds {
			t.Fatalf("probe %d: completed went down: %+v after %+v", i, s, prev)
		}
		if s.Completed > prev.Completed && s.CompletedSeconds-prev.CompletedSeconds < float64(s.Completed-prev.Completed) {
			t.Errorf("probe %d: %d requests of 1 s ended for %.3f s", i, s.Completed-prev.Completed, s.CompletedSeconds-prev.CompletedSeconds)
		}
		if ended := s.Arrivals - uint64(s.Inflight+s.Queued); s.Completed != ended {
			t.Errorf("probe %d: completed %d, want arrivals − in flight − queued = %d", i, s.Completed, ended)
		}
		prev = s
	}
	last := seen[len(seen)-1]
	if last.Completed != 3 || last.CompletedSeconds <= 4 || last.CompletedSeconds > 6+1e-9 {
		t.Errorf("at the end: %d completed for %.3f s, want 3 for 4–6 s", last.Completed, last.CompletedSeconds)
	}
	if d := last.CompletedSeconds - last.LoadSeconds; d > 1e-6 || d < -1e-6 {
		t.Errorf("completed seconds %.6f, load integral %.6f: every request has ended, so they are equal", last.CompletedSeconds, last.LoadSeconds)
	}
}

// fromZero starts with no replica and asks for one at the first arrival,
// then probes every second like probe.
type fromZero struct{ seen *[]sim.State }

func (p fromZero) Name() string { return "from-zero" }
func (p fromZero) NewController(_ sim.FunctionInfo, start time.Time) sim.Controller {
	return &fromZeroCtl{probeCtl{seen: p.seen, next: start.Add(time.Second)}}
}

type fromZeroCtl struct{ probeCtl }

func (c *fromZeroCtl) Start(time.Time) sim.Decision { return sim.Decision{Replicas: 0, Wake: c.next} }

func (c *fromZeroCtl) Arrival(time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: 1, Wake: c.next}
}

// TestAScaleFromZeroIsNotInTheGatewaysMetrics: the OpenFaaS gateway holds a
// request to a function with no available replica and counts it as started
// only when it proxies it, after the scale from zero; its duration is timed
// from then. Three requests of 1 s arriving within a second at a function at
// zero with a 2 s cold start: none is started until the replica is ready,
// then all three at once; on one replica of concurrency 1 they took 1, 2 and
// 3 s from then: 6 s, where timing from arrival gives over 8. Arrivals
// counts each at once.
func TestAScaleFromZeroIsNotInTheGatewaysMetrics(t *testing.T) {
	var seen []sim.State
	cfg := sim.DefaultConfig()
	cfg.Concurrency = 1
	cfg.DefaultExec = time.Second
	cfg.ColdStart = 2 * time.Second
	cfg.Arrivals = trace.Burst
	if _, err := sim.Run(oneFunction(3, 0), cfg, []sim.Policy{fromZero{seen: &seen}}, nil); err != nil {
		t.Fatal(err)
	}
	heldSeen := false
	for i, s := range seen {
		if s.Ready == 0 && s.Started != 0 {
			t.Errorf("probe %d: %d started with no replica ready; want 0 until the scale from zero ends", i, s.Started)
		}
		if s.Ready == 0 && s.Arrivals > 0 {
			heldSeen = true
		}
		if s.Ready > 0 && s.Started != s.Arrivals {
			t.Errorf("probe %d: %d started of %d arrived with a replica ready; want all", i, s.Started, s.Arrivals)
		}
	}
	if !heldSeen {
		t.Error("no probe saw the requests held during the cold start")
	}
	last := seen[len(seen)-1]
	if last.Completed != 3 || last.CompletedSeconds < 6-1e-6 || last.CompletedSeconds > 6+1e-6 {
		t.Errorf("at the end: %d completed for %.3f s, want 3 for 6 s (1 + 2 + 3 from the replica's start)", last.Completed, last.CompletedSeconds)
	}
}

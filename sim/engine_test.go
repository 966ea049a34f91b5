package sim_test

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

var update = flag.Bool("update", false, "rewrite golden files")

func oneFunction(perMinute ...uint32) *trace.Trace {
	return &trace.Trace{Dir: "synthetic", Minutes: len(perMinute),
		Functions: []trace.Function{{ID: "f", PerMinute: perMinute}}}
}

// TestSingleInvocationHandComputed: one request in minute 0, 2 s cold start,
// 1 s execution, fixed 10-minute keep-alive. Wherever the request lands in
// the minute: one cold start waiting exactly 2 s, 600 replica-seconds of
// which 2 s starting and 1 s busy, so 597 idle; two scale events.
func TestSingleInvocationHandComputed(t *testing.T) {
	for _, model := range []trace.ArrivalModel{trace.Uniform, trace.Even, trace.Burst} {
		t.Run(string(model), func(t *testing.T) {
			cfg := sim.DefaultConfig()
			cfg.Arrivals = model
			cfg.Concurrency = 1
			rs, err := sim.Run(oneFunction(append([]uint32{1}, make([]uint32, 19)...)...), cfg,
				[]sim.Policy{peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := rs[0]
			got := []float64{float64(r.Invocations), float64(r.ColdStarts), r.WaitMax, r.ReplicaSeconds, r.IdleReplicaSeconds, float64(r.ScaleEvents)}
			want := []float64{1, 1, 2, 600, 597, 2}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-6 })); diff != "" {
				t.Errorf("[invocations cold waitmax replica-s idle-s events] (-want +got):\n%s", diff)
			}
		})
	}
}

// TestQueueingIsNotCold: with one warm replica of concurrency 1 and a burst
// far above capacity, requests wait behind each other; only the requests
// served by replicas that were starting count as cold.
func TestQueueingIsNotCold(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Concurrency = 1
	rs, err := sim.Run(oneFunction(30, 0, 0), cfg, []sim.Policy{peers.DefaultOpenFaaSCE()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.ColdStarts != 0 || r.Invocations != 30 || r.WaitMax <= 0 {
		t.Errorf("CE with one warm replica: %d cold of %d, max wait %v; want 0 cold and some waiting", r.ColdStarts, r.Invocations, r.WaitMax)
	}
}

func TestRunIsDeterministicAcrossWorkers(t *testing.T) {
	tr, err := trace.Load("testdata/small")
	if err != nil {
		t.Fatal(err)
	}
	var prev []sim.Result
	for _, w := range []int{1, 3} {
		cfg := sim.DefaultConfig()
		cfg.Workers = w
		rs, err := sim.Run(tr, cfg, allPeers(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rs {
			rs[i].Wall = 0
		}
		if prev != nil {
			if diff := cmp.Diff(prev, rs, cmp.Comparer(func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) })); diff != "" {
				t.Fatalf("1 worker vs 3 differ:\n%s", diff)
			}
		}
		prev = rs
	}
}

func allPeers() []sim.Policy {
	return []sim.Policy{
		peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}, peers.FixedKeepAlive{KeepAlive: 20 * time.Minute},
		peers.DefaultOpenFaaSCE(), peers.DefaultHPA(), peers.DefaultKEDA(), peers.DefaultHybrid(),
	}
}

// TestGoldenReplay replays a small synthetic trace (a 15-minute timer, a
// steady HTTP function, a bursty one and a rare queue one, 3 hours) against
// every peer and compares the summary with testdata/golden-small.json
// (go test ./sim -run Golden -update rewrites it).
func TestGoldenReplay(t *testing.T) {
	tr, err := trace.Load("testdata/small")
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	cfg.Timeline = 2
	rs, err := sim.Run(tr, cfg, allPeers(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sim.Normalise(rs, "fixed-10m")
	got, err := json.MarshalIndent(sim.Summaries(rs), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden-small.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
		t.Errorf("replay summary changed (-golden +got); if intended, rerun with -update:\n%s", diff)
	}
}

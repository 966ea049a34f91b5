package sim_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/ours"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
)

// TestFleetReplayOfSharedTrace replays three hours of the 10-function Azure
// sample (Shahrad et al., USENIX ATC 2020; CC BY 4.0) through the shipped
// controller assembly, twice: alone on one worker, and beside a per-function policy on three. A
// fleet replay is one global time order, so the results must not depend on
// the workers or on what else runs,
// every request must be served, and the assembly must scale to zero.
func TestFleetReplayOfSharedTrace(t *testing.T) {
	tr := sharedTrace(t, filepath.Join("..", "..", "shared", "traces", "azure2019-invitro-10fn"))
	cfg := sim.DefaultConfig()
	cfg.Minutes = 3 * 60
	run := func(workers int, others ...sim.Policy) sim.Result {
		cfg.Workers = workers
		rs, err := sim.Run(tr, cfg, append([]sim.Policy{ours.Default()}, others...), nil)
		if err != nil {
			t.Fatal(err)
		}
		rs[0].Wall, rs[0].IdleNormalised = 0, 0 // wall time varies; NaN ≠ NaN without a baseline
		return rs[0]
	}
	a, b := run(1), run(3, peers.FixedKeepAlive{KeepAlive: 10 * time.Minute})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("1 worker and 3 workers differ: %d vs %d cold starts, %.3f vs %.3f idle replica-s",
			a.ColdStarts, b.ColdStarts, a.IdleReplicaSeconds, b.IdleReplicaSeconds)
	}
	if a.Invocations == 0 || a.Unserved != 0 {
		t.Errorf("%d invocations, %d unserved", a.Invocations, a.Unserved)
	}
	var downs int
	for _, f := range a.Functions {
		downs += f.ScaleDowns
	}
	if downs == 0 {
		t.Error("no function was ever scaled down")
	}
	t.Logf("%d invocations, %d cold, %.0f idle replica-s, %d scale-downs", a.Invocations, a.ColdStarts, a.IdleReplicaSeconds, downs)
}

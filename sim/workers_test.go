package sim_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
)

// TestWorkersBeyondTheJobsStartNoGoroutines: --workers larger than the
// jobs (one function here, one policy) started every worker anyway, each
// a goroutine waiting on the job channel: --workers 10000000 asked the
// runtime for ten million stacks before replaying one function. Only as
// many workers as jobs start.
//
// Seen failing before the fix (session 47): "20000 workers for 1 job: 20001
// goroutines while replaying".
func TestWorkersBeyondTheJobsStartNoGoroutines(t *testing.T) {
	tr := oneFunction(1, 0, 1, 0)
	cfg := sim.DefaultConfig()
	cfg.Workers = 20000
	base := runtime.NumGoroutine()
	most := 0
	_, err := sim.Run(tr, cfg, []sim.Policy{peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}}, func(done, total int) {
		most = max(most, runtime.NumGoroutine())
	})
	if err != nil {
		t.Fatal(err)
	}
	if most > base+10 {
		t.Errorf("%d workers for 1 job: %d goroutines while replaying", cfg.Workers, most)
	}
}

package sim_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/ours"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// day200 loads the 200-function Azure day (Shahrad et al., USENIX ATC 2020;
// CC BY 4.0) from the shared traces (SIM_TRACE_DIR overrides).
func day200(tb testing.TB) *trace.Trace {
	tb.Helper()
	dir := os.Getenv("SIM_TRACE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "traces", "azure2019-invitro-200fn")
	}
	return sharedTrace(tb, dir)
}

// sharedTrace loads a trace of ../shared/traces, or skips when it is not
// there — but fails under CI=true, where the traces must be present.
func sharedTrace(tb testing.TB, dir string) *trace.Trace {
	tb.Helper()
	testenv.NeedPath(tb, dir, "the shared traces live in ../shared/traces beside the repository")
	tr, err := trace.Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// BenchmarkReplayDay replays the 200-function day against each policy on
// its own (GOMAXPROCS workers); ns/op is one whole day, inv/s the rate.
// `faas-autoscaler sim` with every policy is the end-to-end figure.
func BenchmarkReplayDay(b *testing.B) {
	tr := day200(b)
	cfg := sim.DefaultConfig()
	for _, p := range []sim.Policy{peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}, peers.DefaultOpenFaaSCE(),
		peers.DefaultHPA(), peers.DefaultKEDA(), peers.DefaultHybrid(), ours.Default()} {
		b.Run(p.Name(), func(b *testing.B) {
			var inv uint64
			for b.Loop() {
				rs, err := sim.Run(tr, cfg, []sim.Policy{p}, nil)
				if err != nil {
					b.Fatal(err)
				}
				inv += rs[0].Invocations
			}
			b.ReportMetric(float64(inv)/b.Elapsed().Seconds(), "inv/s")
		})
	}
}

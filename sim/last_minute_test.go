package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// topSource makes rand.Rand.Float64 return its largest value, 1 − 2⁻⁵³,
// the top draw any generator can make.
type topSource struct{}

func (topSource) Uint64() uint64 { return ^uint64(0) }

// keepOne starts a replica on the first call and never changes it.
type keepOne struct{}

func (keepOne) Arrival(time.Time, State) Decision { return Decision{Replicas: 1} }
func (keepOne) Wake(time.Time, State) Decision    { return Decision{Replicas: Keep} }

// TestNoCallOfTheLastMinuteIsLost: with even arrivals, a top phase draw
// put the last call of a minute at 60 s (trace.Even did not clamp as
// Uniform and Burst do). In the replay's last minute that is the end:
// until never handles an event at the end, so the call was neither
// replayed nor counted, and the replay had fewer invocations than the trace.
// Seen failing before the fix: "replayed 1 invocations (1 waits) of the
// trace's 2".
func TestNoCallOfTheLastMinuteIsLost(t *testing.T) {
	cfg := DefaultConfig()
	fn := trace.Function{ID: "f", PerMinute: []uint32{2}}
	info := FunctionInfo{Concurrency: cfg.Concurrency, ColdStart: cfg.ColdStart}
	r := &replay{cfg: &cfg, info: info, start: cfg.Start, end: time.Minute, ctl: keepOne{}, wake: never, quietTill: -1}
	r.gen = arrivalGen{fn: &fn, rng: rand.New(topSource{}), model: trace.Even, minute: -1}
	r.defaultExec = cfg.DefaultExec
	r.tA = r.gen.peek()
	r.finish()
	if r.res.Invocations != fn.Total() || r.res.Waits.Count() != fn.Total() {
		t.Errorf("replayed %d invocations (%d waits) of the trace's %d", r.res.Invocations, r.res.Waits.Count(), fn.Total())
	}
}

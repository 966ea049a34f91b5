package idler

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestItemDecideIsDecide: a cycle's verdict for each item (work.decide,
// which answers a function at zero without building its Input) is
// Decide's over the item's Input, on random items: at zero or running,
// opted in or not, labels or a schedule that do not parse, a scheduled
// minimum active or starting soon (with and without its words), known
// and unknown activity. Seen failing with the fast answer taken while a
// schedule does not parse, and while a minimum starts soon.
func TestItemDecideIsDecide(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	fast := 0
	for i := range 20000 {
		fn := &provider.Function{Ref: provider.Ref{Name: "f", Namespace: "ns"}, Replicas: uint64(rng.IntN(3) * rng.IntN(2)),
			AvailableReplicas: uint64(rng.IntN(3)), CreatedAt: now.Add(-time.Duration(rng.IntN(3600)) * time.Second)}
		st := &fnState{firstSeen: now.Add(-time.Hour).UnixNano()}
		if rng.IntN(3) == 0 {
			st.setTimes().lastActive = now.Add(-time.Duration(rng.IntN(600)) * time.Second)
		}
		w := &work{fn: fn, st: st}
		w.in.Spec = ZeroSpec{OptIn: rng.IntN(5) != 0, Duration: 5 * time.Minute, Auto: rng.IntN(2) == 0, DurationSource: "default", Serves: 1}
		w.in.KeepAlive = time.Duration(rng.IntN(3)) * 5 * time.Minute
		if rng.IntN(10) == 0 {
			w.in.SpecErr = errors.New("bad label")
		}
		if rng.IntN(10) == 0 {
			w.in.ScheduleErr = errors.New("bad schedule")
		}
		if rng.IntN(6) == 0 {
			w.in.ScheduledMin = uint64(1 + rng.IntN(2))
			w.in.ScheduleReason = "09:00-17:00"
		}
		if rng.IntN(6) == 0 {
			w.soon = true
			if rng.IntN(3) != 0 {
				w.in.ScheduleReason = "min 2 from 12:01"
			}
		}
		if rng.IntN(2) == 0 {
			w.in.Observation = Observation{Known: true, HasStarted: true, Started: float64(rng.IntN(2))}
		}
		got, want := w.decide(now, time.Time{}), Decide(w.input(now, time.Time{}), now)
		if got != want {
			t.Fatalf("item %d (%+v, soon %v, replicas %d): verdict %+v, Decide's %+v", i, w.in, w.soon, fn.Replicas, got, want)
		}
		if got == alreadyZero {
			fast++
		}
	}
	if fast < 1000 {
		t.Fatalf("only %d items answered already_zero", fast)
	}
}

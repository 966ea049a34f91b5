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

// TestLastScaleUpAskedWhereDecideReadsIt: asking the scaler for the last
// scale-up only once the activity is known and shows none
// (work.askLastScaleUp) gives the verdict asking every running function
// in prepare gave, on random items: activity unknown, queued, in flight,
// started or none, a scale-up recent or not, too young, woken, starting
// replicas; and it never asks about a function that started invocations.
// Seen failing with such a function asked about, and with one in flight
// alone asked about (a function with no activity left unasked).
func TestLastScaleUpAskedWhereDecideReadsIt(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	asked, recent := 0, 0
	for i := range 20000 {
		fn := &provider.Function{Ref: provider.Ref{Name: "f", Namespace: "ns"}, Replicas: uint64(1 + rng.IntN(2)),
			AvailableReplicas: uint64(rng.IntN(3)), CreatedAt: now.Add(-time.Duration(rng.IntN(3600)) * time.Second)}
		st := &fnState{firstSeen: now.Add(-time.Hour).UnixNano()}
		if rng.IntN(4) == 0 {
			st.setTimes().wokenAt = now.Add(-time.Duration(rng.IntN(900)) * time.Second)
		}
		scaledUp := now.Add(-time.Duration(rng.IntN(1200)) * time.Second)
		if rng.IntN(3) == 0 {
			scaledUp = time.Time{}
		}
		o := Observation{Known: rng.IntN(6) != 0}
		if rng.IntN(2) == 0 {
			o.HasStarted, o.Started = true, float64(rng.IntN(2))
		}
		if rng.IntN(3) == 0 {
			o.HasInflight, o.Inflight = true, float64(rng.IntN(2))
		}
		if rng.IntN(5) == 0 {
			o.HasQueued, o.Queued = true, float64(rng.IntN(2))
		}
		w := &work{fn: fn, st: st}
		w.in.Spec = ZeroSpec{OptIn: true, Duration: 5 * time.Minute, DurationSource: "default", Serves: 1}
		w.in.KeepAlive = time.Duration(1+rng.IntN(3)) * 5 * time.Minute
		w.in.Observation = o

		eager := *w
		eager.in.LastScaleUp = scaledUp
		want := Decide(eager.input(now, time.Time{}), now)

		w.askScaleUp = true
		w.askLastScaleUp(func(provider.Ref) time.Time { asked++; return scaledUp })
		if got := w.decide(now, time.Time{}); got != want {
			t.Fatalf("item %d (%+v, scaled up %v): verdict %+v asked lazily, %+v asked in prepare", i, o, scaledUp, got, want)
		}
		if want.Code == CodeRecentlyScaled && !scaledUp.IsZero() && want.WouldIdleAt.Equal(scaledUp.Add(w.in.KeepAlive)) {
			recent++
		}
		if (o.HasStarted && o.Started > 0) && !w.in.LastScaleUp.IsZero() {
			t.Fatalf("item %d: asked about a function that started invocations", i)
		}
	}
	if recent < 100 || asked > 12000 {
		t.Fatalf("%d verdicts from the scale-up, %d asks of 20000: the test tells little", recent, asked)
	}
}

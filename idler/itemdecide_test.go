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
// and unknown activity (invocations started or in flight, counted as
// formatG words them). Seen failing with the fast answer taken while a
// schedule does not parse, and while a minimum starts soon; the reasons
// left unworded, with the explanation's count not kept (words from 0),
// and with an active reason worded with the in-flight count.
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
		w.historyPending = w.in.Spec.Auto && rng.IntN(8) == 0
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
			w.in.Observation = Observation{Known: true, HasStarted: true, Started: counts[rng.IntN(len(counts))]}
		}
		if rng.IntN(3) == 0 {
			w.in.Observation.Known, w.in.Observation.HasInflight = true, true
			w.in.Observation.Inflight = counts[rng.IntN(len(counts))]
		}
		got, want := worded(w, w.decide(now, time.Time{}), now), Decide(w.input(now, time.Time{}), now)
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

// counts are invocation counts the reasons word (formatG): none, whole,
// fractional (a rate's increase), large enough for an exponent.
var counts = []float64{0, 1, 3, 2.5, 0.125, 1e21}

// worded is v, the cycle's verdict for w, with its reason as the explain
// API and VerdictOf read it: an active or in-flight one is left unworded
// (work.decide) and worded from what the item's explanation keeps.
func worded(w *work, v Verdict, now time.Time) Verdict {
	w.v = v
	x := explanation(w, now, nil)
	v.Reason = x.words()
	return v
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
		if got := worded(w, w.decide(now, time.Time{}), now); got != want {
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

package scaler

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Review 55B: 23433e1 lets a steady repeat write into the one-entry
// recommendation list the state before the last decision held
// (spareList). Whoever still holds that array sees the write. These guards
// look for such a holder: the answers that leave the loop (Explain,
// EvaluateNow), an answer taken while a pass runs, the state an
// actuator's outcome rewrites, a new leadership term, a function deployed
// again, a listing that names a function twice.

// An actuator's outcome that rewrites the state of a function whose last
// decision left it as it was (fs.before nil) keeps that state as before,
// holding the very list the function holds. The next repeat must not take
// that list as its spare one: the state before would show the repeat's
// recommendation, and the explain API would word the last record from it.
// Fails without spareList's check that the spare list is not prev's array.
func TestReview55B_Guard_OutcomeKeptBeforeIsNotTheSpare(t *testing.T) {
	const window = 2 * time.Minute
	last := Recommendation{At: InstantOf(t0), Replicas: 4}
	fs := &fnState{
		recs:    make([]Recommendation, 1), // cap 1: a spare list by its length and capacity
		history: []Record{{At: t0, Code: CodeSteady, Current: 4, Replicas: 4}},
	}
	fs.recs[0] = last
	st := fs.state()
	fs.before = keptStateOf(&st) // as outcome keeps it: fs.before's list is fs.recs
	if !fs.recordAgain(window, 4, t0.Add(5*time.Second)) {
		t.Fatal("not recorded again")
	}
	if got := fs.before.recs; len(got) != 1 || got[0] != last {
		t.Errorf("the state before the repeat holds %+v, want [%+v]", got, last)
	}
	if want := (Recommendation{At: InstantOf(t0.Add(5 * time.Second)), Replicas: 4}); len(fs.recs) != 1 || fs.recs[0] != want {
		t.Errorf("recommendations %+v, want [%+v]", fs.recs, want)
	}
}

// TestReview55B_Guard_HeldAnswersStayAndRepeatIsDeciding runs the repeat
// oracle (a loop that repeats against one deciding every time, compared
// by everything they show: explain answers with every record's words,
// replicas, writes, /metrics) on a script aimed at the spare list: steady
// busy functions whose readings move within their band, failed writes
// (an outcome rewriting the state, keeping before), new leadership terms
// (the new-term path appends to fs.recs), functions deployed again,
// listings that name a function twice, EvaluateNow and FollowUp between
// passes. Every Explain answer and EvaluateNow decision taken (some while
// a pass runs, from another goroutine: -race) is kept for 20 steps, and
// must read the same at every later step.
func TestReview55B_Guard_HeldAnswersStayAndRepeatIsDeciding(t *testing.T) {
	reused := 0
	for seed := range uint64(16) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { reused += runReview55BOracle(t, seed) })
		})
	}
	if reused == 0 {
		t.Error("no repeat wrote into a spare list: the script does not reach the change it is about")
	}
	t.Logf("%d repeats wrote into the list the state before held", reused)
}

// heldAnswer is an answer a caller kept, as it read when taken.
type heldAnswer struct {
	what string
	step int
	was  string
	now  func() string
}

// review55BFleet is one twin of the oracle, with the answers its callers keep.
type review55BFleet struct {
	*oracleFleet
	dup  *dupLister
	held []heldAnswer
	// beforeAt is each function's fs.before list's first entry after the
	// last step, to count the repeats that wrote into it.
	beforeAt map[provider.Ref]*Recommendation
}

// dupLister lists every function of its provider, and the first one
// twice while dup is set.
type dupLister struct {
	*testProvider
	dup bool
}

func (d *dupLister) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	fns, err := d.testProvider.Functions(ctx, namespace)
	if err == nil && d.dup && len(fns) > 0 {
		fns = append(fns, fns[0])
	}
	return fns, err
}

func (f *review55BFleet) hold(what string, step int, show func() string) {
	f.held = append(f.held, heldAnswer{what: what, step: step, was: show(), now: show})
}

func explainJSON(t *testing.T, x explain.Function) func() string {
	return func() string {
		j, err := json.Marshal(x)
		if err != nil {
			t.Error(err)
		}
		return string(j)
	}
}

func runReview55BOracle(t *testing.T, seed uint64) (reused int) {
	rnd := rand.New(rand.NewPCG(seed, 55))
	labelSets := []map[string]string{
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelTolerance: "0.2"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelDownWindow: "30s"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelBurstThreshold: "1.5"},
		{LabelType: metricsource.TypeRPS, LabelTarget: "50", LabelMax: "6"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelMin: "2", "sched": "yes"},
	}
	var fns []provider.Function
	var refs []provider.Ref
	for i := range 6 {
		ref := provider.Ref{Name: fmt.Sprintf("fn%d", i), Namespace: "openfaas-fn"}
		refs = append(refs, ref)
		fns = append(fns, function(ref, uint64(2+i%3), labelSets[i%len(labelSets)]))
	}
	mk := func(noRepeat bool) *review55BFleet {
		f := &review55BFleet{oracleFleet: &oracleFleet{floor: map[provider.Ref]uint64{}}, beforeAt: map[provider.Ref]*Recommendation{}}
		f.e = newLoopEnv(t, func(c *LoopConfig) {
			f.dup = &dupLister{testProvider: newTestProvider(t)}
			c.Provider = f.dup
			c.MinFloorLabel = "sched"
			c.HistorySize = []int{NoHistory, 1, 2, 5}[seed%4]
			c.MinFloor = func(fn provider.Function, _ time.Time) (uint64, string) {
				if v := f.floor[fn.Ref]; v > 0 {
					return v, fmt.Sprintf("schedule %d", v)
				}
				return 0, ""
			}
		}, fns...)
		// The loop lists through dupLister, over the provider the
		// actuator writes.
		f.dup.testProvider = f.e.prov
		f.e.loop.noRepeat = noRepeat
		return f
	}
	twins := []*review55BFleet{mk(false), mk(true)}
	ctx := t.Context()
	types := []string{metricsource.TypeCapacity, metricsource.TypeRPS}
	// Around a capacity target of 10 and an rps target of 50 at 2 to 4
	// replicas: steady, within tolerance and stabilising, mostly.
	readings := []float64{18, 19, 20, 21, 29, 30, 31, 39, 40, 100, 150, 151, 5, 0}
	for _, f := range twins {
		for i, ref := range refs {
			for _, typ := range types {
				f.e.src.Set(typ, ref, readings[i%4])
			}
		}
	}
	for step := range 250 {
		now := time.Now()
		var ops []func(f *review55BFleet)
		for range rnd.IntN(3) {
			ref := refs[rnd.IntN(len(refs))]
			typ := types[rnd.IntN(len(types))]
			switch k := rnd.IntN(16); k {
			case 0, 1, 2, 3, 4:
				v := readings[rnd.IntN(len(readings))]
				ops = append(ops, func(f *review55BFleet) { f.e.src.Set(typ, ref, v) })
			case 5:
				w := []time.Duration{DefaultStableWindow, DefaultBurstWindow}[rnd.IntN(2)]
				v := readings[rnd.IntN(len(readings))]
				ops = append(ops, func(f *review55BFleet) { f.e.src.SetWindow(typ, w, ref, v) })
			case 6:
				n := uint64(1 + rnd.IntN(4))
				ops = append(ops, func(f *review55BFleet) { _ = f.e.prov.Scale(ctx, ref, n) })
			case 7:
				// The next write fails: its outcome rewrites the state.
				ops = append(ops, func(f *review55BFleet) { f.e.prov.FailScale(ref, 1, errDown) })
			case 8:
				ops = append(ops, func(f *review55BFleet) {
					d, err := f.e.loop.EvaluateNow(ctx, ref, nil, now)
					if err == nil {
						f.hold("EvaluateNow "+ref.Name, step, func() string { return fmt.Sprintf("%+v %+v", d, d.Next.Recommendations) })
					}
				})
			case 9:
				ops = append(ops, func(f *review55BFleet) { _ = f.e.loop.FollowUp(ctx, now) })
			case 10:
				// A new leadership term: every function's first listing in
				// it is a first sight (the new-term path).
				ops = append(ops, func(f *review55BFleet) { f.e.loop.newTerm(make(chan struct{})) })
			case 11:
				// Deployed again under its name between two listings.
				n := uint64(1 + rnd.IntN(3))
				ls := labelSets[rnd.IntN(len(labelSets))]
				ops = append(ops, func(f *review55BFleet) {
					if _, err := f.e.prov.Function(ctx, ref); err == nil {
						f.e.prov.remove(ref)
					}
					fn := function(ref, n, ls)
					fn.CreatedAt = now // later than the last: the step's time
					f.e.prov.set(fn)
				})
			case 12:
				on := rnd.IntN(2) == 0
				ops = append(ops, func(f *review55BFleet) { f.dup.dup = on })
			case 13:
				v := uint64(rnd.IntN(4))
				ops = append(ops, func(f *review55BFleet) { f.floor[ref] = v })
			case 14:
				load := readings[rnd.IntN(len(readings))]
				status := []AlertStatus{Firing, Resolved}[rnd.IntN(2)]
				ops = append(ops, func(f *review55BFleet) {
					sig := Signal{Ref: ref, Status: status, AlertName: "load", Load: &load}
					if err := f.e.loop.Notify(ctx, sig); err == nil {
						_ = f.e.loop.EvaluatePending(ctx, time.Now())
					}
				})
			case 15:
				ls := labelSets[rnd.IntN(len(labelSets))]
				ops = append(ops, func(f *review55BFleet) {
					fn, err := f.e.prov.Function(ctx, ref)
					if err == nil {
						fn.Labels = ls
						f.e.prov.set(fn)
					}
				})
			}
		}
		follow := rnd.IntN(3) == 0
		var shown []string
		for _, f := range twins {
			for _, o := range ops {
				o(f)
			}
			// A reader of the explain API while the pass runs: -race
			// finds a write the pass makes without mu into what it reads,
			// and what it takes is held like any other answer.
			read := make(chan []explain.Function)
			go func() {
				var xs []explain.Function
				for _, ref := range refs {
					if x, ok := f.e.loop.Explain(ref); ok {
						xs = append(xs, x)
					}
				}
				read <- xs
			}()
			if err := f.e.loop.Tick(ctx, now); err != nil {
				t.Fatal(err)
			}
			if xs := <-read; len(xs) > 0 {
				x := xs[step%len(xs)]
				f.hold("Explain during a pass "+x.Name, step, explainJSON(t, x))
			}
			if follow {
				_ = f.e.loop.FollowUp(ctx, now.Add(time.Second))
			}
			synctest.Wait() // the actuator's outcomes are in
			// One function's answer a step is kept (each re-read at every
			// step it is kept: all of them made the test five times slower).
			if x, ok := f.e.loop.Explain(refs[(step+3)%len(refs)]); ok {
				f.hold("Explain "+x.Name, step, explainJSON(t, x))
			}
			shown = append(shown, f.review55BShows(t, refs, step%20 == 19))
			f.checkHeld(t, step)
			if f.e.loop.noRepeat {
				continue
			}
			f.e.loop.mu.Lock()
			for _, ref := range refs {
				fs := f.e.loop.fns[ref]
				if fs == nil {
					continue
				}
				if p := f.beforeAt[ref]; p != nil && len(fs.recs) == 1 && &fs.recs[0] == p {
					reused++
				}
				f.beforeAt[ref] = nil
				if fs.before != nil && len(fs.before.recs) == 1 {
					f.beforeAt[ref] = &fs.before.recs[0]
				}
			}
			f.e.loop.mu.Unlock()
		}
		if t.Failed() {
			t.FailNow()
		}
		if shown[0] != shown[1] {
			t.Fatalf("step %d: repeating shows otherwise than deciding:\nrepeating %s\ndeciding  %s", step, shown[0], shown[1])
		}
		time.Sleep([]time.Duration{DefaultInterval, 3 * time.Second, 17 * time.Second, 45 * time.Second}[rnd.IntN(4)])
	}
	return reused
}

// checkHeld fails for a kept answer that no longer reads as it did, and
// lets go of those kept for 20 steps.
func (f *review55BFleet) checkHeld(t *testing.T, step int) {
	t.Helper()
	kept := f.held[:0]
	for _, h := range f.held {
		if got := h.now(); got != h.was {
			t.Errorf("step %d (repeating %v): %s taken at step %d changed:\nwas %s\nnow %s", step, !f.e.loop.noRepeat, h.what, h.step, h.was, got)
		}
		if step-h.step < 20 {
			kept = append(kept, h)
		}
	}
	f.held = kept
}

// review55BShows is oracleFleet.shows with each function's writes in the
// order made, the functions' apart: the actuator writes different
// functions from goroutines of their own, whose order a reader of the
// explain API running beside the pass may change.
func (f *review55BFleet) review55BShows(t *testing.T, refs []provider.Ref, metrics bool) string {
	t.Helper()
	var b strings.Builder
	calls := f.e.prov.takeCalls()
	for _, ref := range refs {
		x, ok := f.e.loop.Explain(ref)
		j, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		var mine []uint64
		for _, c := range calls {
			if c.Ref == ref {
				mine = append(mine, c.Replicas)
			}
		}
		fmt.Fprintf(&b, "%s replicas %d writes %v explain %v %s\n", ref, f.e.prov.replicas(ref), mine, ok, j)
	}
	if !metrics {
		return b.String()
	}
	mfs, err := f.e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "faas_autoscaler_reconcile_duration_seconds" {
			continue // wall time of the pass: differs by design
		}
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// KeptLabels.Same skips SameLabels when neither side has annotations
// (48518ee): only when both are nil. A nil and an empty map are the same
// (SameLabels), a nil and a map with an entry are not, either way round;
// and a map's address (mapAddress) stays its own while it grows, so the
// labels map kept is still found as itself, and an equal copy is not
// taken for it.
func TestReview55B_Guard_KeptLabelsAnnotationsAndGrowth(t *testing.T) {
	labels := map[string]string{LabelMax: "5"}
	for _, c := range []struct {
		kept, listed map[string]string
		same         bool
	}{
		{nil, nil, true},
		{nil, map[string]string{}, true},
		{map[string]string{}, nil, true},
		{nil, map[string]string{"sched": "yes"}, false},
		{map[string]string{"sched": "yes"}, nil, false},
		{map[string]string{"sched": "yes"}, map[string]string{"sched": "yes"}, true},
	} {
		var k KeptLabels
		k.Keep(&provider.Function{Labels: labels, Annotations: c.kept})
		if got := k.Same(&provider.Function{Labels: labels, Annotations: c.listed}); got != c.same {
			t.Errorf("annotations kept %v, listed %v: Same says %v, want %v", c.kept, c.listed, got, c.same)
		}
	}
	grown := map[string]string{}
	at := mapAddress(grown)
	for i := range 5000 {
		grown[fmt.Sprint(i)] = "v"
	}
	if mapAddress(grown) != at {
		t.Errorf("a map's address moved as it grew: %#x, then %#x", at, mapAddress(grown))
	}
	var k KeptLabels
	k.Keep(&provider.Function{Labels: grown})
	copied := maps.Clone(grown)
	copied["0"] = "w"
	if !k.Same(&provider.Function{Labels: grown}) {
		t.Error("the very map kept is not the same")
	}
	if k.Same(&provider.Function{Labels: copied}) {
		t.Error("a copy with another value is the same")
	}
}

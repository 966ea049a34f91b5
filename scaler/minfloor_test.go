package scaler

import (
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestMinFloorLabel: with LoopConfig.MinFloorLabel set, MinFloor is asked
// only about functions whose labels or annotations hold it, as last parsed;
// a function given the label later is asked from the next pass on, and
// floored by the answer.
func TestMinFloorLabel(t *testing.T) {
	const label = "example.com/schedule"
	plain := provider.Function{Ref: provider.Ref{Name: "plain", Namespace: "ns"}, Replicas: 1, AvailableReplicas: 1,
		Labels: map[string]string{LabelMin: "1"}}
	labelled := provider.Function{Ref: provider.Ref{Name: "labelled", Namespace: "ns"}, Replicas: 1, AvailableReplicas: 1,
		Labels: map[string]string{LabelMin: "1", label: "always"}}
	annotated := provider.Function{Ref: provider.Ref{Name: "annotated", Namespace: "ns"}, Replicas: 1, AvailableReplicas: 1,
		Labels: map[string]string{LabelMin: "1"}, Annotations: map[string]string{label: "always"}}
	var mu sync.Mutex
	asked := map[string]int{}
	e := newLoopEnv(t, func(c *LoopConfig) {
		c.MinFloorLabel = label
		c.MinFloor = func(fn provider.Function, _ time.Time) (uint64, string) {
			mu.Lock()
			defer mu.Unlock()
			asked[fn.Ref.Name]++
			return 3, "always 3"
		}
	}, plain, labelled, annotated)
	tick := func() {
		t.Helper()
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	tick()
	mu.Lock()
	if asked["plain"] != 0 || asked["labelled"] != 1 || asked["annotated"] != 1 {
		t.Errorf("first pass asked %v, want labelled and annotated once each, plain never", asked)
	}
	mu.Unlock()
	for _, ref := range []provider.Ref{labelled.Ref, annotated.Ref} {
		if got := e.prov.replicas(ref); got != 3 {
			t.Errorf("%s: %d replicas, want the scheduled minimum 3", ref, got)
		}
	}
	if got := e.prov.replicas(plain.Ref); got != 1 {
		t.Errorf("plain: %d replicas, want 1 (no schedule)", got)
	}

	plain.Labels = map[string]string{LabelMin: "1", label: "always"}
	e.prov.set(plain)
	tick()
	mu.Lock()
	if asked["plain"] != 1 {
		t.Errorf("after its labels gained %s, plain was asked %d times in a pass, want 1", label, asked["plain"])
	}
	mu.Unlock()
	if got := e.prov.replicas(plain.Ref); got != 3 {
		t.Errorf("plain with the label: %d replicas, want the scheduled minimum 3", got)
	}
}

// TestRepeatRunsReleaseTheLock: a run of functions that repeat holds mu
// across them (repeat), and must release it before whatever follows takes
// it or calls out: a function with invalid labels (decideAndApply takes
// mu), and MinFloor, here a hook that reads the explain API (which takes
// mu too). Held, the pass would deadlock.
func TestRepeatRunsReleaseTheLock(t *testing.T) {
	const label = "example.com/schedule"
	at0 := func(name string, labels map[string]string) provider.Function {
		return provider.Function{Ref: provider.Ref{Name: name, Namespace: "ns"}, Labels: labels}
	}
	fns := []provider.Function{
		at0("a", map[string]string{LabelMin: "0"}),
		at0("b", map[string]string{LabelMin: "0", label: "never"}),
		at0("c", map[string]string{LabelMin: "0"}),
		at0("d", map[string]string{LabelMax: "not a number"}),
		at0("e", map[string]string{LabelMin: "0"}),
	}
	var e *loopEnv
	asked := 0
	e = newLoopEnv(t, func(c *LoopConfig) {
		c.MinFloorLabel = label
		c.MinFloor = func(fn provider.Function, _ time.Time) (uint64, string) {
			asked++
			e.loop.Explain(fn.Ref) // takes mu
			return 0, ""
		}
	}, fns...)
	for i := range 4 {
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	if asked != 4 {
		t.Errorf("MinFloor asked %d times in 4 passes, want 4 (b's)", asked)
	}
	for _, fn := range fns {
		if x, ok := e.loop.Explain(fn.Ref); !ok || len(x.Decisions) == 0 {
			t.Errorf("%s: no decisions explained", fn.Ref.Name)
		}
	}
	if n := repeats(e); n == 0 {
		t.Error("no function repeated: the run under one lock was not put to the test")
	}
}

// repeats counts the functions whose next tick may repeat their decision.
func repeats(e *loopEnv) int {
	e.loop.mu.Lock()
	defer e.loop.mu.Unlock()
	n := 0
	for _, fs := range e.loop.fns {
		if fs.repeat != repeatNone {
			n++
		}
	}
	return n
}

// TestMinFloorAskedOncePerPass: a function whose decision may be repeated
// asks MinFloor in repeat; when the repeat then fails (a reading moved),
// the decision takes that answer instead of asking again. Asked twice, a
// hook that costs a call per function (a schedule service) paid twice for
// every function whose load moved. Here the repeat is allowed from the
// first decision, which added a record (repeat.go), and fails at the
// second pass, whose load wakes the function.
func TestMinFloorAskedOncePerPass(t *testing.T) {
	f := function(refA, 0, map[string]string{LabelType: metricsource.TypeCapacity, LabelTarget: "10"})
	asked := 0
	e := newLoopEnv(t, func(c *LoopConfig) {
		c.MinFloor = func(provider.Function, time.Time) (uint64, string) {
			asked++
			return 0, ""
		}
	}, f)
	e.src.Set(metricsource.TypeCapacity, refA, 0)
	if err := e.loop.Tick(t.Context(), t0); err != nil {
		t.Fatal(err)
	}
	if asked != 1 {
		t.Fatalf("first pass asked MinFloor %d times, want 1", asked)
	}
	if repeats(e) != 1 {
		t.Fatal("the function at zero may not repeat its first decision: the test does not reach repeat")
	}
	e.src.Set(metricsource.TypeCapacity, refA, 25)
	if err := e.loop.Tick(t.Context(), t0.Add(tickEvery)); err != nil {
		t.Fatal(err)
	}
	if asked != 2 {
		t.Errorf("MinFloor asked %d times in two passes, want 2 (once a pass)", asked)
	}
	if got := e.prov.replicas(refA); got == 0 {
		t.Errorf("the load of 25 left the function at zero: the second pass did not decide")
	}
}

package scaler

import (
	"sync"
	"testing"
	"time"

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

package idler

import (
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestPlacesHoldOnlyListedStates: the positional cache (placed.go) answers a
// function's state only while the function is at its place. A function
// deleted, and deployed again after a cycle that did not list it, starts
// afresh (its old state is not resurrected from the place it had), and
// every place holds the state Idler.state holds for its function.
func TestPlacesHoldOnlyListedStates(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	var fns []provider.Function
	for i := range 4 {
		fns = append(fns, function(fmt.Sprintf("f%d", i), 1, old, optIn(LabelZeroDuration, "1m")))
	}
	e := newEnv(t, Config{}, fns...)
	ctx := t.Context()
	t0 := time.Now()
	check := func(when string) {
		t.Helper()
		if len(e.d.placed) > len(e.d.state) {
			t.Errorf("%s: %d places for %d states", when, len(e.d.placed), len(e.d.state))
		}
		for i, p := range e.d.placed {
			if st := e.d.state[p.ref]; st != p.st {
				t.Errorf("%s: place %d holds a state of %s that Idler.state does not", when, i, p.ref.Name)
			}
		}
	}
	e.d.RunOnce(ctx, t0)
	check("first cycle")
	last := fns[len(fns)-1]
	if err := e.p.Remove(last.Ref); err != nil {
		t.Fatal(err)
	}
	e.d.RunOnce(ctx, t0.Add(30*time.Second))
	check("a function deleted")
	redeployed := t0.Add(time.Minute)
	if err := e.p.Deploy(last); err != nil {
		t.Fatal(err)
	}
	e.d.RunOnce(ctx, redeployed)
	check("deployed again")
	if st := e.d.state[last.Ref]; st == nil {
		t.Errorf("%s deployed again has no state", last.Ref.Name)
	} else if at := st.firstSeenIn(redeployed.Location()); !at.Equal(redeployed) {
		t.Errorf("%s deployed again: first seen %v, want %v (a new state)", last.Ref.Name, at, redeployed)
	}
}

package keepalive

import (
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestBudgetCutKeepsWhatFits: the budget's cut (trimToBudget) gave every
// known function an equal share of the budget and cut every history over
// it, even when most functions held far less than their share. A fleet of a
// few busy functions and many rarely called ones (the common shape: most
// functions of the Azure trace are called a few times a day) went over the
// budget, and the cut threw away over 90% of what the busy functions
// learned: cut from about 240 to 20 idle times each, the fleet from 1,263
// to 145 against a budget of 1,000, where cutting 263 was enough (a busy
// function keeping about 191). Found by a review helper.
func TestBudgetCutKeepsWhatFits(t *testing.T) {
	const budget = 1000
	withIdleTimeBudget(t, budget)
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	busy := make([]provider.Ref, 5)
	for i := range busy {
		busy[i] = provider.Ref{Name: fmt.Sprintf("busy-%d", i), Namespace: "openfaas-fn"}
		for j := 0; j <= 300; j++ {
			p.Observe(busy[i], start.Add(time.Duration(j)*time.Minute))
		}
	}
	// 45 rare functions, called twice each: one idle time apiece.
	for i := range 45 {
		ref := provider.Ref{Name: fmt.Sprintf("rare-%02d", i), Namespace: "openfaas-fn"}
		p.Observe(ref, start.Add(time.Hour))
		p.Observe(ref, start.Add(3*time.Hour))
	}
	before := heldIdleTimes(p)
	p.Listed(start.Add(6*time.Hour), func(provider.Ref) bool { return true })
	after := heldIdleTimes(p)
	busyKeeps := len(p.fns[busy[0]].e)
	t.Logf("held before the listing %d (budget %d), after %d; a busy function keeps %d", before, budget, after, busyKeeps)
	if after > budget {
		t.Errorf("the cut left %d idle times, over the budget %d", after, budget)
	}
	if before <= budget {
		t.Fatalf("control: the fleet holds %d idle times, want it over the budget %d", before, budget)
	}
	// Cutting only what is over the budget leaves each busy function
	// about (1000 - 45) / 5 = 191.
	if after < budget*9/10 {
		t.Errorf("the budget's cut left %d idle times of a budget of %d (%d over it before): a busy function keeps %d of its %d, want about %d",
			after, budget, before-budget, busyKeeps, (before-45)/5, (budget-45)/5)
	}
}

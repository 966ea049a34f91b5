package scaler

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// thanosDown is what Thanos Querier warns of with partial_response when a
// StoreAPI does not answer.
const thanosDown = "receive series from Addr: thanos-store:10901: rpc error: code = Unavailable"

// partialEnv is a loop over a (6 replicas, rps) and b (6 replicas, rps)
// whose rps answers say they may be partial: a store holding some series
// is down. tick runs one pass and lets 5 s pass.
func partialEnv(t *testing.T) (e *loopEnv, tick func()) {
	e = newLoopEnv(t, nil, function(refA, 6, nil), function(refB, 6, nil))
	e.src.Set("rps", refA, 270) // 6 at 45 a replica
	e.src.Set("rps", refB, 270)
	e.src.SetPartial("rps", thanosDown)
	return e, func() {
		t.Helper()
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
	}
}

// lastDecision is ref's latest decision as the explain API shows it.
func lastDecision(t *testing.T, e *loopEnv, ref provider.Ref) explain.Decision {
	t.Helper()
	f, ok := e.loop.Explain(ref)
	if !ok || len(f.Decisions) == 0 {
		t.Fatalf("no decision for %s", ref)
	}
	return f.Decisions[0]
}

// TestPartialLoadScalesUp: while a Thanos store is down every rps answer
// says it may be partial. A reading in it is a lower bound: the load is at
// least that, so one that needs more replicas scales up. Before, the whole
// answer was refused and a needed 8 replicas for hours on the periodic
// path, its decision no_data.
func TestPartialLoadScalesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, tick := partialEnv(t)
		e.src.Set("rps", refA, 360) // needs 8
		tick()
		if diff := cmp.Diff([]scaleCall{{refA, 8}}, e.prov.takeCalls()); diff != "" {
			t.Errorf("scale calls on a partial answer needing 8 for a (-want +got):\n%s", diff)
		}
	})
}

// TestPartialLoadHoldsScaleDowns: a reading of a partial answer that needs
// fewer replicas is no ground for fewer (the missing series may carry the
// rest): a keeps 6 past its down window, with code lower_bound and a
// reason naming the partial answer and why. Once the answers are complete
// again the same reading scales it down.
func TestPartialLoadHoldsScaleDowns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, tick := partialEnv(t)
		e.src.Set("rps", refA, 135) // wants 3
		for range int(testDefaults().DownWindow/(5*time.Second)) + 6 {
			tick()
		}
		if calls := e.prov.takeCalls(); len(calls) != 0 {
			t.Errorf("scaled on a partial answer's lower reading: %v; want a kept at 6", calls)
		}
		d := lastDecision(t, e, refA)
		if d.Code != string(CodeLowerBound) || !strings.Contains(d.Reason, "may be partial") ||
			!strings.Contains(d.Reason, thanosDown) || !strings.Contains(d.Reason, "lower bound") {
			t.Errorf("a's decision on a partial answer: %s %q; want %s naming the partial answer, its warning and the lower bound",
				d.Code, d.Reason, CodeLowerBound)
		}
		f, _ := e.loop.Explain(refA)
		if obs, _ := f.Observation.(Observation); !strings.Contains(obs.LowerBound, thanosDown) || obs.StableLoad == nil || *obs.StableLoad != 135 {
			t.Errorf("a's observation: lower_bound %q, stable load %v; want the partial answer's 135 as a lower bound naming why", obs.LowerBound, obs.StableLoad)
		}

		// A gateway instance down as well: both causes said, once each.
		e.src.SetDown([]string{"10.0.0.8:8082"}, nil)
		tick()
		d = lastDecision(t, e, refA)
		if !strings.Contains(d.Reason, "10.0.0.8:8082") || !strings.Contains(d.Reason, thanosDown) || strings.Count(d.Reason, "lower bound") != 1 {
			t.Errorf("a's reason with an instance down too: %q; want both causes and one lower bound", d.Reason)
		}
		e.src.SetDown(nil, nil)

		e.src.SetPartial("rps", "")
		tick()
		if diff := cmp.Diff([]scaleCall{{refA, 3}}, e.prov.takeCalls()); diff != "" {
			t.Errorf("scale calls once the answers are complete again (-want +got):\n%s", diff)
		}
	})
}

// TestPartialLoadAbsentIsNoData: a function the partial answer does not
// hold has no reading (its series may be on the missing store): missing,
// not zero, so it keeps its replicas with no_data while a in the same
// answer scales up.
func TestPartialLoadAbsentIsNoData(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, tick := partialEnv(t)
		e.src.Set("rps", refA, 360)
		e.src.Delete("rps", refB)
		for range int(testDefaults().DownWindow/(5*time.Second)) + 6 {
			tick()
		}
		if diff := cmp.Diff([]scaleCall{{refA, 8}}, e.prov.takeCalls()); diff != "" {
			t.Errorf("scale calls (-want +got): b is absent from the partial answer and must keep 6:\n%s", diff)
		}
		if d := lastDecision(t, e, refB); d.Code != string(CodeNoData) || d.Replicas != 6 {
			t.Errorf("b's decision: %s → %d (%q); want no_data keeping 6", d.Code, d.Replicas, d.Reason)
		}
	})
}

// TestPartialDownAnswerSaidOnce: with the store down, the question which
// gateway instances are down is answered partially too (DownGateways
// fails with the same warning): scale-downs stay held, and the reason
// names the warning once, not once per question.
func TestPartialDownAnswerSaidOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, tick := partialEnv(t)
		e.src.Set("rps", refA, 135)
		e.src.SetDown(nil, &metricsource.PartialError{Query: "up", Why: thanosDown})
		for range int(testDefaults().DownWindow/(5*time.Second)) + 6 {
			tick()
		}
		if calls := e.prov.takeCalls(); len(calls) != 0 {
			t.Errorf("scaled down while every answer may be partial: %v", calls)
		}
		d := lastDecision(t, e, refA)
		if d.Code != string(CodeLowerBound) || strings.Count(d.Reason, thanosDown) != 1 {
			t.Errorf("a's decision: %s %q; want %s naming %q once", d.Code, d.Reason, CodeLowerBound, thanosDown)
		}

		// The loads complete again, the down question not: held, saying so.
		e.src.SetPartial("rps", "")
		tick()
		d = lastDecision(t, e, refA)
		if calls := e.prov.takeCalls(); len(calls) != 0 || d.Code != string(CodeLowerBound) || !strings.Contains(d.Reason, "which gateway instances are scraped is unknown ("+thanosDown+")") {
			t.Errorf("loads complete, down question partial: calls %v, decision %s %q; want held naming the unknown instances", calls, d.Code, d.Reason)
		}
	})
}

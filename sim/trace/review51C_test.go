package trace_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestReview51CSampledFunctionKeepsItsArrivals: NewRNG says a function's
// generator is "seeded by the run seed and the function's index, so a
// function's arrivals do not depend on which other functions are replayed
// or in what order". The index the engine seeds with is the function's
// position in the trace it is given (sim/engine.go: NewRNG(seed,
// r.info.Index)), and Trace.Sample renumbers the functions it keeps: a
// function replayed in a --sample draws other arrivals and execution times
// than the same function in the whole trace, so its per-function results
// change with which other functions were drawn. Expected: a function's
// results are the same whichever other functions are replayed with it
// (seed by the function's identity, or by its index in the loaded trace).
func TestReview51CSampledFunctionKeepsItsArrivals(t *testing.T) {
	fn := func(id string) trace.Function {
		pm := make([]uint32, 120)
		for m := range pm {
			if m%13 == 0 {
				pm[m] = 7 // a handful of calls now and then: idle time depends on where they fall
			}
		}
		d := trace.Durations{Pct: [7]float64{10, 50, 200, 900, 2000, 8000, 20000}}
		return trace.Function{ID: id, Hash: id, PerMinute: pm, Duration: &d}
	}
	full := &trace.Trace{Dir: "full", Format: trace.Azure2019, Minutes: 120}
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		full.Functions = append(full.Functions, fn(id))
	}
	cfg := sim.DefaultConfig()
	pol := []sim.Policy{peers.FixedKeepAlive{KeepAlive: time.Minute}}
	byID := func(tr *trace.Trace) map[string]sim.FunctionResult {
		rs, err := sim.Run(tr, cfg, pol, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]sim.FunctionResult{}
		for _, f := range rs[0].Functions {
			out[f.ID] = f
		}
		return out
	}
	whole := byID(full)
	sample := full.Sample(3, 7)
	part := byID(sample)
	moved := 0
	for i, f := range sample.Functions {
		w, s := whole[f.ID], part[f.ID]
		if w.IdleReplicaSeconds != s.IdleReplicaSeconds || w.ColdStarts != s.ColdStarts || w.Waits.Quantile(0.99) != s.Waits.Quantile(0.99) {
			moved++
			t.Errorf("function %s (index %d in the sample): idle %.3f s, cold starts %d in the sample; %.3f s, %d in the whole trace",
				f.ID, i, s.IdleReplicaSeconds, s.ColdStarts, w.IdleReplicaSeconds, w.ColdStarts)
		}
	}
	if moved > 0 {
		t.Logf("%d of %d sampled functions replayed other arrivals than in the whole trace", moved, len(sample.Functions))
	}
}

// TestReview51C2021AllCallsBeforeTheTraceSaysSo: a 2021 per-invocation file
// whose every row started before the trace (end_timestamp − duration below
// −1 s) is refused as "no invocations after the header", naming line 2,
// which holds an invocation: the note that says why its rows were not
// replayed ("N calls started before the trace … not replayed") is built
// after the check and lost (sim/trace/invocationlog.go, the
// len(order) == 0 check before the notes). Expected: the error says the
// rows started before the trace, not that there are none.
func TestReview51C2021AllCallsBeforeTheTraceSaysSo(t *testing.T) {
	log := "app,func,end_timestamp,duration\na,f,1,100\na,f,2,300\n"
	_, err := trace.LoadFS(fstest.MapFS{"x.csv": &fstest.MapFile{Data: []byte(log)}}, "T")
	if err == nil {
		t.Fatal("loaded a trace of no replayable call")
	}
	if !strings.Contains(err.Error(), "before") {
		t.Errorf("error %q: the file has 2 invocations, both starting before the trace; the error should say so", err)
	}
}

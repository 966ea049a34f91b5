package scaler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/expfmt"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// oracleFleet is one loop with its own provider, source and registry,
// driven by the same script as its twin.
type oracleFleet struct {
	e     *loopEnv
	floor map[provider.Ref]uint64 // scheduled minimums (MinFloor)
}

func newOracleFleet(t *testing.T, noRepeat bool, fns []provider.Function) *oracleFleet {
	f := &oracleFleet{floor: map[provider.Ref]uint64{}}
	f.e = newLoopEnv(t, func(c *LoopConfig) {
		c.MinFloor = func(fn provider.Function, _ time.Time) (uint64, string) {
			if v := f.floor[fn.Ref]; v > 0 {
				return v, fmt.Sprintf("schedule %d", v)
			}
			return 0, ""
		}
	}, fns...)
	f.e.loop.noRepeat = noRepeat
	return f
}

// shows is everything the loop shows after a step: each function's explain
// answer and replicas, the writes that reached the provider, and (metrics)
// /metrics.
func (f *oracleFleet) shows(t *testing.T, refs []provider.Ref, metrics bool) string {
	t.Helper()
	var b bytes.Buffer
	for _, ref := range refs {
		x, ok := f.e.loop.Explain(ref)
		j, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s replicas %d explain %v %s\n", ref, f.e.prov.replicas(ref), ok, j)
	}
	fmt.Fprintf(&b, "calls %v\n", f.e.prov.takeCalls())
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

// oracleOp is one scripted change, made to each twin alike.
type oracleOp func(f *oracleFleet)

// stepTwins makes ops on both twins (deciding, then repeating), runs their
// pass at now (and a follow-up a second later when follow) and fails when
// they show anything differently: explain answers, replicas, writes and,
// every 20 steps, /metrics. The decision counters only grow: a
// difference, once made, is still there when they are next compared.
func stepTwins(t *testing.T, twins []*oracleFleet, refs []provider.Ref, ops []oracleOp, now time.Time, step int, follow bool) {
	t.Helper()
	ctx := t.Context()
	var shown []string
	for _, f := range twins {
		for _, o := range ops {
			o(f)
		}
		if err := f.e.loop.Tick(ctx, now); err != nil {
			t.Fatal(err)
		}
		if follow {
			_ = f.e.loop.FollowUp(ctx, now.Add(time.Second))
		}
		synctest.Wait() // the actuator's outcomes are in
		shown = append(shown, f.shows(t, refs, step%20 == 19))
	}
	if diff := cmp.Diff(shown[1], shown[0]); diff != "" {
		t.Fatalf("step %d: repeating shows otherwise than deciding (-decided +repeated):\n%s", step, diff)
	}
}

// TestRepeatIsWhatDecidingGives is the oracle for repeat: scripted random
// histories (loads appearing, changing and vanishing, the idler and others
// scaling functions to and from zero, labels, scheduled minimums, backlogs,
// alerts, follow-ups, failing queries, a reload) run through a loop that
// repeats decisions and one that decides for every function at every tick,
// on virtual time; after every step both must show the same: explain
// answers (every record's time, words and result), replicas, writes and
// /metrics.
//
// Seen failing (each check of repeat removed in turn): without the burst
// reading's, the stable reading's, the backlog's, the scheduled minimum's or
// the spec's, the loops part within the first 60 steps of some seed; so
// they do, within 400, without untimed's two checks (burst mode's only
// with a down window of 0, which keeps no recommendation to outlive it)
// and without steadyRecs (its expiry clause:
// TestRepeatEndsWhenAnAlertsRecommendationExpires). The checks this script cannot tell from redundant are kept
// as the condition says it: the count's and the available count's (each
// stands in for the other: the memory provider's are equal), fs.before's (an outcome rewriting the state after a
// pass), and, in decideAndApply, !d.Scale and sameState (at zero the only
// state a tick changes is an alert's load cleared, which a second decision
// leaves cleared). A decision that added its record may be repeated as one
// that refreshed it (the script's repeats start at either).
func TestRepeatIsWhatDecidingGives(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { runOracle(t, seed) })
		})
	}
}

func runOracle(t *testing.T, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 12))
	labels := func(i int) map[string]string {
		l := map[string]string{LabelType: metricsource.TypeCapacity, LabelTarget: "10"}
		switch i % 4 {
		case 1:
			l = map[string]string{LabelType: metricsource.TypeRPS, LabelTarget: "50"}
		case 2:
			l[LabelMin] = "2"
		case 3:
			l = map[string]string{LabelType: metricsource.TypeQueue, LabelTarget: "5"}
		}
		return l
	}
	var fns []provider.Function
	var refs []provider.Ref
	for i := range 8 {
		ref := provider.Ref{Name: fmt.Sprintf("fn%d", i), Namespace: "openfaas-fn"}
		refs = append(refs, ref)
		fns = append(fns, function(ref, uint64(i%2), labels(i)))
	}
	twins := []*oracleFleet{newOracleFleet(t, false, fns), newOracleFleet(t, true, fns)}
	ctx := t.Context()
	types := []string{metricsource.TypeCapacity, metricsource.TypeRPS, metricsource.TypeQueue}
	for _, f := range twins {
		for _, typ := range types {
			for _, ref := range refs[:2] {
				f.e.src.Set(typ, ref, 0)
			}
		}
	}
	readings := []float64{0, 0, 0, 0.5, 3, 40, 400}
	repeated, repeatedRunning, repeatedBusy := 0, 0, 0
	for step := range 400 {
		now := time.Now()
		// The script: one draw for both twins.
		var ops []oracleOp
		for range rnd.IntN(3) {
			ref := refs[rnd.IntN(len(refs))]
			typ := types[rnd.IntN(len(types))]
			switch k := rnd.IntN(12); k {
			case 0, 1, 2:
				v := readings[rnd.IntN(len(readings))]
				ops = append(ops, func(f *oracleFleet) { f.e.src.Set(typ, ref, v) })
			case 3:
				w := []time.Duration{DefaultStableWindow, DefaultBurstWindow}[rnd.IntN(2)]
				v := readings[rnd.IntN(len(readings))]
				ops = append(ops, func(f *oracleFleet) { f.e.src.SetWindow(typ, w, ref, v) })
			case 4:
				ops = append(ops, func(f *oracleFleet) { f.e.src.Delete(typ, ref) })
			case 5, 6:
				n := uint64(rnd.IntN(2))
				ops = append(ops, func(f *oracleFleet) { _ = f.e.prov.Scale(ctx, ref, n) })
			case 7:
				v := uint64(rnd.IntN(2) * 2)
				ops = append(ops, func(f *oracleFleet) { f.floor[ref] = v })
			case 8:
				i := rnd.IntN(len(refs))
				ops = append(ops, func(f *oracleFleet) {
					fn, err := f.e.prov.Function(ctx, ref)
					if err != nil {
						t.Fatal(err)
					}
					fn.Labels = labels(i)
					f.e.prov.set(fn)
				})
			case 9:
				load := readings[rnd.IntN(len(readings))]
				status := []AlertStatus{Firing, Resolved}[rnd.IntN(2)]
				ops = append(ops, func(f *oracleFleet) {
					sig := Signal{Ref: ref, Status: status, AlertName: "load", Load: &load}
					if err := f.e.loop.Notify(ctx, sig); err == nil {
						_ = f.e.loop.EvaluatePending(ctx, time.Now())
					}
				})
			case 10:
				fail := rnd.IntN(2) == 0
				ops = append(ops, func(f *oracleFleet) {
					if fail {
						f.e.src.Fail(typ, errDown)
					} else {
						f.e.src.Fail(typ, nil)
					}
					if typ == metricsource.TypeQueue {
						// The same draw takes a gateway instance down or
						// back: rps and capacity readings are lower bounds
						// meanwhile (Observation.LowerBound).
						var down []string
						if fail {
							down = []string{"10.0.0.8:8082"}
						}
						f.e.src.SetDown(down, nil)
					}
				})
			case 11:
				if rnd.IntN(8) == 0 {
					d := testDefaults()
					d.DownWindow = time.Duration(rnd.IntN(4)) * time.Minute // 0: no window, no recommendations kept
					ops = append(ops, func(f *oracleFleet) {
						if err := f.e.loop.SetTuning(d, DefaultStableWindow, DefaultBurstWindow); err != nil {
							t.Fatal(err)
						}
					})
				}
			}
		}
		stepTwins(t, twins, refs, ops, now, step, rnd.IntN(3) == 0)
		for _, fs := range twins[0].e.loop.fns {
			if fs.repeat != repeatNone {
				repeated++
				if fs.replicas > 0 {
					repeatedRunning++
				}
				if fs.repeat == repeatRecords {
					repeatedBusy++
				}
			}
		}
		time.Sleep(DefaultInterval)
	}
	if repeated < 200 || repeatedRunning < 200 || repeatedBusy < 20 {
		t.Errorf("only %d functions could repeat over the script, %d of them running, %d of them recording a load: it does not exercise repeat",
			repeated, repeatedRunning, repeatedBusy)
	}
	t.Logf("%d functions could repeat over the script, %d of them running, %d of them recording a load", repeated, repeatedRunning, repeatedBusy)
}

// TestRepeatEndsWhenAnAlertsRecommendationExpires: an alert's load, read
// while Prometheus had none, leaves a recommendation that stands for one
// stable window, inside a longer down window. Once Prometheus reads zero,
// the function's ticks are refreshes that may repeat, but only until that
// recommendation's evidence expires: then deciding scales down and so must
// repeating. The oracle's random script does not reach this; seen failing
// with steadyRecs ignoring Expires (the repeating loop held 3 replicas
// until the recommendation left the down window, a minute late).
func TestRepeatEndsWhenAnAlertsRecommendationExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
		labels := map[string]string{LabelType: metricsource.TypeCapacity, LabelTarget: "10"}
		fns := []provider.Function{function(ref, 2, labels)}
		twins := []*oracleFleet{newOracleFleet(t, false, fns), newOracleFleet(t, true, fns)}
		ctx := t.Context()
		load := 25.0 // 3 replicas at 10 × 0.9, under the burst threshold on 2
		for _, f := range twins {
			if err := f.e.loop.Tick(ctx, time.Now()); err != nil { // no data yet: keep 2
				t.Fatal(err)
			}
			if err := f.e.loop.Notify(ctx, Signal{Ref: ref, Status: Firing, AlertName: "load", Load: &load}); err != nil {
				t.Fatal(err)
			}
			if err := f.e.loop.EvaluatePending(ctx, time.Now()); err != nil {
				t.Fatal(err)
			}
			f.e.src.Set(metricsource.TypeCapacity, ref, 0)
		}
		synctest.Wait()
		down := false
		for step := range 30 { // two and a half minutes of ticks: past the stable window, inside the down window
			time.Sleep(DefaultInterval)
			var shown []string
			for _, f := range twins {
				if err := f.e.loop.Tick(ctx, time.Now()); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				shown = append(shown, f.shows(t, []provider.Ref{ref}, false))
			}
			if diff := cmp.Diff(shown[1], shown[0]); diff != "" {
				t.Fatalf("step %d: repeating shows otherwise than deciding (-decided +repeated):\n%s", step, diff)
			}
			if n := twins[1].e.prov.replicas(ref); step < 10 && n != 3 {
				t.Fatalf("step %d: %d replicas while the alert's recommendation stands, want 3", step, n)
			} else if n < 3 {
				down = true
			}
		}
		if !down {
			t.Error("never scaled down after the alert's evidence expired: the script does not test the expiry")
		}
	})
}

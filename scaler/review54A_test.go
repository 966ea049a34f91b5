package scaler

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview54ARepeatOracleWiderScript is a PASSING guard (review 54A),
// not a defect: the repeat oracle (stepTwins: a repeating loop against one
// deciding every time) on a script the package's oracles do not run, aimed
// at 161d98e's "a quiet decision that added a record may be repeated" and
// MinFloor asked once a pass, and at df8eba1's kept parse: labels and
// annotations switching a MinFloorLabel on and off (floored toggles while
// the interned spec may stay the same pointer), tolerance, down-window,
// burst-threshold, max, static and factor labels, irregular intervals
// (3 s to 45 s, so recommendations age out between repeats), window and
// down-window changes through SetTuning, history sizes of none, 1, 2
// and 3 (a record added and bounded away), step and exact-CE labels and
// invalid ones, cold starts (available below replicas), EvaluateNow and
// FollowUp between passes, functions removed and deployed again (the
// follow-ups' own states list, fewScratch), and, on odd seeds, a provider
// handing out the label maps it holds (ShareMaps: the kept parse's
// labelsAt path). An operator expects a repeated
// decision to show exactly what deciding shows: explain records and words,
// replicas, writes and /metrics.
func TestReview54ARepeatOracleWiderScript(t *testing.T) {
	for seed := range uint64(24) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { runReview54AOracle(t, seed) })
		})
	}
}

func runReview54AOracle(t *testing.T, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 54))
	labelSets := []map[string]string{
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelTolerance: "0.2"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelDownWindow: "30s"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelBurstThreshold: "1.5"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelMin: "2", "sched": "yes"},
		{LabelType: metricsource.TypeRPS, LabelTarget: "50", LabelMax: "4"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelMin: "3", LabelMax: "3"},
		{LabelType: metricsource.TypeQueue, LabelTarget: "5"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", "sched": "yes"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "10", LabelFactor: "50"},
		{LabelType: TypeStep, LabelFactor: "20"},
		{LabelType: TypeStep, LabelExactCE: "true", LabelMax: "5", LabelFactor: "20", LabelMin: "1"},
		{LabelType: metricsource.TypeCapacity, LabelTarget: "bad"},
	}
	var fns []provider.Function
	var refs []provider.Ref
	for i := range 8 {
		ref := provider.Ref{Name: fmt.Sprintf("fn%d", i), Namespace: "openfaas-fn"}
		refs = append(refs, ref)
		fns = append(fns, function(ref, uint64(1+i%3), labelSets[i%len(labelSets)]))
	}
	mk := func(noRepeat bool) *oracleFleet {
		f := &oracleFleet{floor: map[provider.Ref]uint64{}}
		f.e = newLoopEnv(t, func(c *LoopConfig) {
			c.MinFloorLabel = "sched"
			c.HistorySize = []int{NoHistory, 1, 2, 3}[seed%4]
			c.MinFloor = func(fn provider.Function, _ time.Time) (uint64, string) {
				if v := f.floor[fn.Ref]; v > 0 {
					return v, fmt.Sprintf("schedule %d", v)
				}
				return 0, ""
			}
		}, fns...)
		f.e.loop.noRepeat = noRepeat
		if seed%2 == 1 {
			// The provider hands out the maps it holds (the embedded
			// default's): the kept parse finds them by address.
			f.e.prov.Provider = memory.New(clock.Real(), memory.Options{ShareMaps: true})
			for _, fn := range fns {
				f.e.prov.set(fn)
			}
		}
		return f
	}
	twins := []*oracleFleet{mk(false), mk(true)}
	ctx := t.Context()
	types := []string{metricsource.TypeCapacity, metricsource.TypeRPS, metricsource.TypeQueue}
	readings := []float64{0, 5, 17, 25, 26, 34, 40, 90, 400}
	for _, f := range twins {
		for i, ref := range refs {
			for _, typ := range types {
				f.e.src.Set(typ, ref, readings[i%len(readings)])
			}
		}
	}
	for step := range 300 {
		now := time.Now()
		var ops []oracleOp
		for range rnd.IntN(3) {
			ref := refs[rnd.IntN(len(refs))]
			typ := types[rnd.IntN(len(types))]
			switch k := rnd.IntN(17); k {
			case 14:
				ops = append(ops, func(f *oracleFleet) { _, _ = f.e.loop.EvaluateNow(ctx, ref, nil, now) })
			case 15:
				ls := labelSets[rnd.IntN(len(labelSets))]
				n := uint64(rnd.IntN(3))
				ops = append(ops, func(f *oracleFleet) {
					if _, err := f.e.prov.Function(ctx, ref); err == nil {
						f.e.prov.remove(ref)
						return
					}
					f.e.prov.set(function(ref, n, ls))
				})
			case 16:
				ops = append(ops, func(f *oracleFleet) { _ = f.e.loop.FollowUp(ctx, now) })
			case 12, 13:
				d := []time.Duration{-1, 0, 4 * time.Second, 30 * time.Second}[rnd.IntN(4)]
				ops = append(ops, func(f *oracleFleet) { f.e.prov.SetColdStart(ref, d) })
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
				n := uint64(rnd.IntN(5))
				ops = append(ops, func(f *oracleFleet) { _ = f.e.prov.Scale(ctx, ref, n) })
			case 7:
				v := uint64(rnd.IntN(4))
				ops = append(ops, func(f *oracleFleet) { f.floor[ref] = v })
			case 8:
				ls := labelSets[rnd.IntN(len(labelSets))]
				ops = append(ops, func(f *oracleFleet) {
					fn, err := f.e.prov.Function(ctx, ref)
					if err != nil {
						return // removed
					}
					fn.Labels = ls
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
				ann := map[string]string{}
				if rnd.IntN(2) == 0 {
					ann["sched"] = "yes"
				}
				ops = append(ops, func(f *oracleFleet) {
					fn, err := f.e.prov.Function(ctx, ref)
					if err != nil {
						return // removed
					}
					fn.Annotations = ann
					f.e.prov.set(fn)
				})
			case 11:
				if rnd.IntN(4) == 0 {
					d := testDefaults()
					d.DownWindow = time.Duration(rnd.IntN(4)) * time.Minute
					sw := []time.Duration{DefaultStableWindow, 2 * time.Minute}[rnd.IntN(2)]
					bw := []time.Duration{DefaultBurstWindow, 20 * time.Second}[rnd.IntN(2)]
					ops = append(ops, func(f *oracleFleet) {
						if err := f.e.loop.SetTuning(d, sw, bw); err != nil {
							t.Fatal(err)
						}
					})
				}
			}
		}
		stepTwins(t, twins, refs, ops, now, step, rnd.IntN(3) == 0)
		time.Sleep([]time.Duration{DefaultInterval, 3 * time.Second, 17 * time.Second, 45 * time.Second}[rnd.IntN(4)])
	}
}

package embedded

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestActivityIntoIsActivityFor: through random gateways (counters that
// rise and reset, in-flight gauges, replica counts woken from zero, series
// that vanish and come back, a function never seen, one without an
// in-flight gauge at all), each function's part of ActivityInto is what
// ActivityFor's maps hold for it, at every scrape and for windows shorter
// and longer than the history. Both come from activityHead and
// function.activity; what this guards is the two ways of handing them out,
// in the refs' order, which changes from query to query here. Seen failing
// with a part left from the previous answer for a function the store does
// not know (out not cleared), and, before activityHead, with the
// coverage's reason left out of ActivityInto's answer.
func TestActivityIntoIsActivityFor(t *testing.T) {
	for seed := range uint64(4) {
		for _, gauge := range []bool{true, false} {
			t.Run(fmt.Sprintf("seed%d gauge %v", seed, gauge), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) { compareActivity(t, seed, gauge) })
			})
		}
	}
}

func compareActivity(t *testing.T, seed uint64, gauge bool) {
	rnd := rand.New(rand.NewPCG(seed, 3))
	cfg := DefaultConfig()
	cfg.Interval = 5 * time.Second
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	var refs []provider.Ref
	for i := range n + 1 { // the last one never appears
		refs = append(refs, provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: DefaultNamespace})
	}
	started := make([]float64, n)
	replicas := make([]float64, n)
	var out []metricsource.FunctionActivity
	var woken, vanished, counted, inflight int
	defer func() {
		if woken == 0 || vanished == 0 || counted == 0 || (gauge && inflight == 0) {
			t.Errorf("the script never showed a wake (%d), a vanished series (%d), a count (%d) or, with a gauge, one in flight (%d)",
				woken, vanished, counted, inflight)
		}
	}()
	for scrape := range 80 {
		var samples []Sample
		for i := range n {
			if rnd.IntN(10) == 0 {
				continue // missing from this scrape: vanished, for a while
			}
			switch k := rnd.IntN(10); {
			case k < 4:
				started[i] += float64(rnd.IntN(5))
			case k == 4:
				started[i] = 0 // a reset
			}
			if rnd.IntN(4) == 0 {
				replicas[i] = float64(rnd.IntN(3))
			}
			name := refs[i].Name + "." + refs[i].Namespace
			samples = append(samples,
				Sample{Metric: MetricStarted, FunctionName: name, Value: started[i]},
				Sample{Metric: MetricTotal, FunctionName: name, Code: "200", Value: started[i]},
				Sample{Metric: MetricReplicas, FunctionName: name, Value: replicas[i]})
			if gauge {
				samples = append(samples, Sample{Metric: MetricInflight, FunctionName: name, Value: float64(rnd.IntN(3))})
			}
		}
		src.Observe(time.Now(), samples)
		for _, w := range []time.Duration{10 * time.Second, time.Minute, 10 * time.Minute} {
			q := slices.Clone(refs)
			rnd.Shuffle(len(q), func(i, j int) { q[i], q[j] = q[j], q[i] })
			want, werr := src.ActivityFor(t.Context(), w, q)
			var got metricsource.Activity
			got, out, err = src.ActivityInto(t.Context(), w, q, out)
			if (werr == nil) != (err == nil) {
				t.Fatalf("scrape %d, window %s: errors %v and %v", scrape, w, werr, err)
			}
			if err != nil {
				continue
			}
			if got.Window != want.Window || got.Covered != want.Covered || got.Uncovered != want.Uncovered {
				t.Fatalf("scrape %d, window %s: %+v, want the window and coverage of %+v", scrape, w, got, want)
			}
			for i, ref := range q {
				p := out[i]
				woken, vanished, counted, inflight = woken+b2i(!p.Woken.IsZero()), vanished+b2i(p.Vanished), counted+b2i(p.Started > 0),
					inflight+b2i(p.Inflight > 0)
				if diff := cmp.Diff(want.Of(ref), p); diff != "" {
					t.Fatalf("scrape %d, window %s, %s (-maps +aligned):\n%s", scrape, w, ref, diff)
				}
			}
		}
		time.Sleep(5 * time.Second)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

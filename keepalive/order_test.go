package keepalive

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestHistoryOrderIsWhatSortingGives: through random idle times (ties,
// zeros, ones beyond the horizon, a ring that wraps), a history's order
// stays its positions sorted as newSamplesByKey sorts them, the samples
// read in that order are the sorted ones field for field, and the policy's
// plan is the plan of the ring as it is. Seen failing with the oldest idle
// time left in the order when the ring replaces it, with the new one
// inserted one place off, and with ties taken in the wrong order (weights
// that differ between equal idle times move the weight sums).
func TestHistoryOrderIsWhatSortingGives(t *testing.T) {
	for _, size := range []int{10, 37, 256} {
		cfg := Default()
		cfg.History, cfg.Horizon = size, time.Hour
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(uint64(size), 7))
		ref := provider.Ref{Name: "f", Namespace: "openfaas-fn"}
		values := []time.Duration{0, time.Second, 30 * time.Second, 2 * time.Minute, time.Hour, 3 * time.Hour}
		var keys, sorted []uint64
		for step := range 4 * size {
			it := values[rnd.IntN(len(values))]
			if rnd.IntN(2) == 0 {
				it = time.Duration(rnd.Int64N(int64(2 * time.Hour)))
			}
			p.mu.Lock()
			h := p.get(ref)
			p.push(h, it, 1+rnd.IntN(4))
			keys = keys[:0]
			for j := range h.idleSeconds() {
				keys = append(keys, h.orderKey(j))
			}
			sorted = append(sorted[:0], keys...)
			slices.Sort(sorted)
			for k, j := range h.order() {
				if keys[j] != sorted[k] {
					p.mu.Unlock()
					t.Fatalf("history %d, step %d: order[%d] = %d, key %x; sorting gives %x", size, step, k, j, keys[j], sorted[k])
				}
			}
			its, ws := make([]float64, len(h.idleSeconds())), make([]float64, len(h.idleSeconds()))
			for j := range h.idleSeconds() {
				its[j], ws[j] = float64(h.idleSeconds()[j]), float64(h.weights()[j])
			}
			var oits, ows []float64
			for _, j := range h.order() {
				oits, ows = append(oits, float64(h.idleSeconds()[j])), append(ows, float64(h.weights()[j]))
			}
			p.mu.Unlock()
			want, ok := newSamplesByKey(its, ws, 2, new(buffers))
			got, gok := newSamplesInOrder(oits, ows, 2, new(buffers))
			if !ok || !gok {
				t.Fatalf("history %d, step %d: samples by key %v, in order %v", size, step, ok, gok)
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(samples{})); diff != "" {
				t.Fatalf("history %d, step %d: samples in order differ (-sorted +in order):\n%s", size, step, diff)
			}
			if step%7 == 0 {
				p.mu.Lock()
				h.planned = false // a replan now, whatever the replan rules say
				p.mu.Unlock()
				plan, _ := p.Plan(ref, 15*time.Minute, time.Now())
				if wantPlan := ChooseFor(Learned{Idle: its, Weight: ws}, 15*time.Minute, cfg); plan != wantPlan {
					t.Fatalf("history %d, step %d: plan %+v, choosing over the ring gives %+v", size, step, plan, wantPlan)
				}
			}
		}
	}
}

// TestSamplesInOrderRefusesWhatIsNotInOrder: the unsorted path takes over
// when the idle times are not in order, so Learned.sorted can never make a
// plan from misread samples.
func TestSamplesInOrderRefusesWhatIsNotInOrder(t *testing.T) {
	for _, its := range [][]float64{{2, 1}, {1, math.Inf(1), 3}, {-1, 2}, {0.1, 2}} {
		if _, ok := newSamplesInOrder(its, nil, 1, new(buffers)); ok {
			t.Errorf("%v read as in order", its)
		}
	}
	if _, ok := newSamplesInOrder([]float64{0, 1, 1, math.Inf(1)}, nil, 1, new(buffers)); !ok {
		t.Error("ascending idle times, +Inf last, refused")
	}
}

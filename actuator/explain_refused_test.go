package actuator

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// The explanation names the count the provider refused beside the end of
// its back-off, and shows neither once the back-off has passed: an operator
// reading "refused until" an hour in the past took the function as still
// held off, and could not tell which count was refused.
func TestExplainShowsTheRefusalOnlyWhileItHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{RefuseZero: true}, nil, map[provider.Ref]uint64{refA: 1})
		start := time.Now()
		r.a.Apply(t.Context(), intent(Idler, refA, 1, 0)) // refused, back-off 1m
		e, _ := r.a.Explain(refA)
		ex := e.(Explanation)
		if ex.RefusedUntil == nil || !ex.RefusedUntil.Equal(start.Add(time.Minute)) {
			t.Errorf("while held off: refused_until = %v, want %v", ex.RefusedUntil, start.Add(time.Minute))
		}
		if ex.RefusedReplicas == nil || *ex.RefusedReplicas != 0 {
			t.Errorf("while held off: refused_replicas = %v, want 0", ex.RefusedReplicas)
		}
		time.Sleep(time.Minute)
		e, _ = r.a.Explain(refA)
		if ex := e.(Explanation); ex.RefusedUntil != nil || ex.RefusedReplicas != nil {
			t.Errorf("after the back-off: refused_until = %v, refused_replicas = %v, want neither", ex.RefusedUntil, ex.RefusedReplicas)
		}
	})
}

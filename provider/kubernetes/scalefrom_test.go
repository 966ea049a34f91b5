package kubernetes

import (
	"errors"
	"math"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// raceScaleWrite makes the next scale update find the Deployment changed to
// n by someone else just before it arrives (its resourceVersion bumped), as
// a concurrent kubectl scale would.
func raceScaleWrite(t *testing.T, f *fakeCluster, n int32) {
	t.Helper()
	done := false
	f.PrependReactor("update", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if done || a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		done = true
		s := a.(k8stesting.UpdateAction).GetObject().(*autoscalingv1.Scale)
		f.mu.Lock()
		defer f.mu.Unlock()
		d, err := f.deployment(a.GetNamespace(), s.Name)
		if err != nil {
			t.Error(err)
			return false, nil, nil
		}
		d.Spec.Replicas = &n
		f.bump(d)
		if err := f.Tracker().Update(deploymentsGVR, d, d.Namespace); err != nil {
			t.Error(err)
		}
		return false, nil, nil // on to the fake's scale update, which sees a stale resourceVersion
	})
}

func TestScaleFrom(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: fnNS}
	spec := func(t *testing.T, f *fakeCluster) int32 {
		t.Helper()
		d, err := f.deployment(fnNS, "fn")
		if err != nil {
			t.Fatal(err)
		}
		return *d.Spec.Replicas
	}
	setup := func(t *testing.T) (*fakeCluster, *Provider) {
		f := newFakeCluster(newDeployment(fnNS, "fn", withReplicas(2, 2)))
		p := startFake(t, f)
		waitFunction(t, p, ref, func(provider.Function) bool { return true })
		return f, p
	}

	t.Run("writes when the count is the expected one", func(t *testing.T) {
		f, p := setup(t)
		if err := p.ScaleFrom(t.Context(), ref, 2, 0); err != nil {
			t.Fatal(err)
		}
		if gets, updates := f.counts(); gets != 1 || updates != 1 || spec(t, f) != 0 {
			t.Errorf("gets %d, updates %d, spec %d; want 1, 1, 0", gets, updates, spec(t, f))
		}
	})
	t.Run("a stale count is a conflict, nothing written", func(t *testing.T) {
		f, p := setup(t)
		err := p.ScaleFrom(t.Context(), ref, 3, 0)
		c, ok := provider.IsConflict(err)
		if !ok || c.Expected != 3 || c.Current != 2 {
			t.Fatalf("err = %v, want a conflict at 2", err)
		}
		if _, updates := f.counts(); updates != 0 || spec(t, f) != 2 {
			t.Errorf("updates %d, spec %d; want 0, 2", updates, spec(t, f))
		}
	})
	t.Run("a conflict's available count is the ready pods, not every pod", func(t *testing.T) {
		// Mid rollout or with pods Pending, status.replicas (all the pods, the
		// only count the scale subresource has) exceeds availableReplicas:
		// the conflict must carry the pods that can serve, as
		// provider.Function.AvailableReplicas does.
		f := newFakeCluster(newDeployment(fnNS, "fn", withReplicas(4, 1), withPods(4)))
		p := startFake(t, f)
		waitFunction(t, p, ref, func(provider.Function) bool { return true })
		err := p.ScaleFrom(t.Context(), ref, 2, 0)
		c, ok := provider.IsConflict(err)
		if !ok {
			t.Fatalf("err = %v, want a conflict", err)
		}
		if c.Current != 4 || c.Available != 1 {
			t.Errorf("conflict: current %d, available %d; want 4, 1 (of 4 pods)", c.Current, c.Available)
		}
	})
	t.Run("a conflict's available count is at most the count it found", func(t *testing.T) {
		// Just after someone scaled 5→2 the status still shows 5 pods, all
		// available: 3 of them are going.
		f := newFakeCluster(newDeployment(fnNS, "fn", withReplicas(2, 5), withPods(5)))
		p := startFake(t, f)
		waitFunction(t, p, ref, func(provider.Function) bool { return true })
		err := p.ScaleFrom(t.Context(), ref, 5, 3)
		c, ok := provider.IsConflict(err)
		if !ok {
			t.Fatalf("err = %v, want a conflict", err)
		}
		if c.Current != 2 || c.Available != 2 {
			t.Errorf("conflict: current %d, available %d; want 2, 2 (not the 5 still terminating)", c.Current, c.Available)
		}
	})
	t.Run("a writer in between: 409, re-read, conflict with its count", func(t *testing.T) {
		f, p := setup(t)
		raceScaleWrite(t, f, 4)
		err := p.ScaleFrom(t.Context(), ref, 2, 1)
		if c, ok := provider.IsConflict(err); !ok || c.Current != 4 {
			t.Fatalf("err = %v, want a conflict at 4", err)
		}
		if gets, updates := f.counts(); gets != 2 || updates != 0 || spec(t, f) != 4 {
			t.Errorf("gets %d, updates %d, spec %d; want 2 (read, re-read), 0, the writer's 4", gets, updates, spec(t, f))
		}
	})
	t.Run("the object changed but not its count: retried", func(t *testing.T) {
		f, p := setup(t)
		f.conflictsToRun = 1
		if err := p.ScaleFrom(t.Context(), ref, 2, 5); err != nil {
			t.Fatal(err)
		}
		if gets, updates := f.counts(); gets != 2 || updates != 1 || spec(t, f) != 5 {
			t.Errorf("gets %d, updates %d, spec %d; want 2, 1, 5", gets, updates, spec(t, f))
		}
	})
	t.Run("the count it has: no write", func(t *testing.T) {
		f, p := setup(t)
		if err := p.ScaleFrom(t.Context(), ref, 2, 2); err != nil {
			t.Fatal(err)
		}
		if _, updates := f.counts(); updates != 0 {
			t.Errorf("updates %d, want 0", updates)
		}
	})
	t.Run("beyond int32 is refused before any call", func(t *testing.T) {
		f, p := setup(t)
		var refused *provider.RefusedError
		if err := p.ScaleFrom(t.Context(), ref, 2, math.MaxInt32+1); !errors.As(err, &refused) {
			t.Fatalf("err = %v, want refused", err)
		}
		if gets, _ := f.counts(); gets != 0 {
			t.Errorf("gets %d, want 0", gets)
		}
	})
	t.Run("a function not in the cache is not found", func(t *testing.T) {
		_, p := setup(t)
		err := p.ScaleFrom(t.Context(), provider.Ref{Name: "other", Namespace: fnNS}, 1, 0)
		if !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("err = %v, want not found", err)
		}
	})
}

package kubernetes

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// gate holds watch events while locked: a lagging or broken watch.
type gate struct{ mu sync.RWMutex }

type gatedClient struct {
	kubeapi.Deployments
	g *gate
}

func (c gatedClient) WatchDeployments(ctx context.Context, ns string, o metav1.ListOptions) (watch.Interface, error) {
	w, err := c.Deployments.WatchDeployments(ctx, ns, o)
	if err != nil {
		return nil, err
	}
	out := make(chan watch.Event)
	go func() {
		defer close(out)
		for ev := range w.ResultChan() {
			// A barrier, not a critical section: it waits while the test
			// holds the gate shut (the watch lagging).
			c.g.mu.RLock()
			//lint:ignore SA2001 a barrier: empty on purpose
			c.g.mu.RUnlock()
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return &gatedWatch{in: w, out: out}, nil
}

type gatedWatch struct {
	in  watch.Interface
	out chan watch.Event
}

func (w *gatedWatch) Stop()                          { w.in.Stop() }
func (w *gatedWatch) ResultChan() <-chan watch.Event { return w.out }

// Scale and ScaleFrom write only to the Deployment the cache knows: the
// scale subresource is addressed by name, so when a function's Deployment
// is deleted and a Deployment that is not a function takes its name before
// the watch delivers either, the UID the subresource answers differs from
// the cached one, and they answer ErrNotFound without writing.
//
// Seen failing before the fix (found by a review): ScaleFrom(function
// cache.<ns>, 1→0) returned <nil> and set the non-function Deployment
// <ns>/cache (labels map[]) to 0 replicas; want it untouched and an error
func TestClusterScaleWritesOnlyTheCachedDeployment(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "cache", 1, nil))

	client, err := kubeapi.New(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{}
	p := startOn(t, gatedClient{Deployments: client, g: g}, ns)
	ref := provider.Ref{Name: "cache", Namespace: ns}
	waitCached(t, p, ref, 30*time.Second, "cached", func(provider.Function) bool { return true })

	g.mu.Lock() // the watch lags from here
	var thaw sync.Once
	t.Cleanup(func() { thaw.Do(g.mu.Unlock) })

	// "cache" is now someone's Redis, not a function.
	if err := c.Client.AppsV1().Deployments(ns).Delete(t.Context(), "cache", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	redis := functionDeployment(ns, "cache", 1, nil)
	delete(redis.Labels, FunctionLabel)
	redis.Spec.Selector.MatchLabels = map[string]string{"app": "redis"}
	redis.Spec.Template.Labels = map[string]string{"app": "redis"}
	// The delete may take a moment to clear (the garbage collector); retry the create.
	var cerr error
	testenv.WaitFor(t, 20*time.Second, "create the non-function Deployment", func() bool {
		_, cerr = c.Client.AppsV1().Deployments(ns).Create(t.Context(), redis, metav1.CreateOptions{})
		return cerr == nil
	}, func() string { return cerr.Error() })

	for _, w := range []struct {
		name  string
		write func() error
	}{
		{"ScaleFrom(1→0)", func() error { return p.ScaleFrom(t.Context(), ref, 1, 0) }},
		{"Scale(0)", func() error { return p.Scale(t.Context(), ref, 0) }},
	} {
		werr := w.write()
		live, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "cache", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *live.Spec.Replicas != 1 {
			t.Errorf("%s of function %s returned %v and set the non-function Deployment %s/cache (labels %v) to %d replicas; want it untouched and an error",
				w.name, ref, werr, ns, live.Labels, *live.Spec.Replicas)
		}
		if !errors.Is(werr, provider.ErrNotFound) {
			t.Errorf("%s error = %v; want ErrNotFound (the function's Deployment is gone)", w.name, werr)
		}
	}
	thaw.Do(g.mu.Unlock)
	waitCached(t, p, ref, 30*time.Second, "gone once the watch delivers", nil)
}

// A function deleted and deployed again under its name after a decision's
// listing, once the cache has caught up with it, is not written with the
// old function's decision: ScaleFromCreated holds the write to the
// Deployment created when the decision's listing said (the idler judged
// the old one idle; the new one has the same count, so the count's compare
// alone let the zero through). The UID check above covers only a cache
// that has not caught up.
//
// Seen failing before the fix (found by a review; the idler's
// TestRecreatedDuringACycleIsNotIdled through the memory provider):
// the new "a", deployed 0s ago, was scaled to 0 replicas by the cycle that
// judged its predecessor idle
func TestClusterScaleFromCreatedSkipsAFunctionDeployedAgain(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "again", 1, nil))
	client, err := kubeapi.New(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	p := startOn(t, client, ns)
	ref := provider.Ref{Name: "again", Namespace: ns}
	var listed provider.Function
	waitCached(t, p, ref, 30*time.Second, "cached", func(fn provider.Function) bool { listed = fn; return true })

	// Creation times have a resolution of a second: the new Deployment is
	// created in a later one than the old, as a redeploy is.
	testenv.WaitFor(t, 5*time.Second, "a second past the first creation",
		func() bool { return time.Now().After(listed.CreatedAt.Add(time.Second)) }, func() string { return "" })
	if err := c.Client.AppsV1().Deployments(ns).Delete(t.Context(), "again", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var cerr error
	testenv.WaitFor(t, 20*time.Second, "deploy the function again", func() bool {
		_, cerr = c.Client.AppsV1().Deployments(ns).Create(t.Context(), functionDeployment(ns, "again", 1, nil), metav1.CreateOptions{})
		return cerr == nil
	}, func() string { return cerr.Error() })
	var now provider.Function
	waitCached(t, p, ref, 30*time.Second, "the new Deployment cached", func(fn provider.Function) bool {
		now = fn
		return !fn.CreatedAt.Equal(listed.CreatedAt)
	})

	werr := p.ScaleFromCreated(t.Context(), ref, 1, 0, listed.CreatedAt)
	var replaced *provider.ReplacedError
	if !errors.As(werr, &replaced) || !errors.Is(werr, provider.ErrNotFound) {
		t.Errorf("ScaleFromCreated(1→0) decided on the function created at %v: err %v; want a *provider.ReplacedError (ErrNotFound)",
			listed.CreatedAt, werr)
	}
	live, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "again", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *live.Spec.Replicas != 1 {
		t.Errorf("the function deployed again at %v has %d replicas after a write decided on its predecessor; want 1",
			now.CreatedAt, *live.Spec.Replicas)
	}
	// Decided on the new function, the same write lands.
	if err := p.ScaleFromCreated(t.Context(), ref, 1, 0, now.CreatedAt); err != nil {
		t.Fatalf("ScaleFromCreated(1→0) decided on the new function: %v", err)
	}
}

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

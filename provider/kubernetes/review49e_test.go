package kubernetes

import (
	"errors"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A function's Deployment deleted and created again within one second
// (`kubectl replace --force -f fn.yaml`, Argo CD's Replace=true/Force sync,
// a script's delete-then-apply: Deployments are deleted in the background by
// default, so the name is free at once) has the same creationTimestamp as
// its predecessor: metadata.creationTimestamp has a resolution of a second.
// ScaleFromCreated tells the two apart by that timestamp only, so once the
// cache has caught up with the new Deployment, a decision made on the old
// function (the idler judged it idle: 1→0) lands on the new one, whose
// count is the same. The UID (which the cache and the scale subresource
// both carry) tells them apart; the creation time cannot.
func TestReview49eScaleFromCreatedSameSecondReplacement(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	client, err := kubeapi.New(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	p := startOn(t, client, ns)

	// Creation times are whole seconds: try until the delete and re-create
	// fall within one (each attempt starts at the top of a second).
	for attempt := range 5 {
		name := fmt.Sprintf("replaced-%d", attempt)
		ref := provider.Ref{Name: name, Namespace: ns}
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		createDeployment(t, c.Client, functionDeployment(ns, name, 1, nil))
		var listed provider.Function
		waitCached(t, p, ref, 30*time.Second, "cached", func(fn provider.Function) bool { listed = fn; return true })
		old, err := p.deployment(ref)
		if err != nil {
			t.Fatal(err)
		}

		// kubectl replace --force: delete (background), create at once.
		if err := c.Client.AppsV1().Deployments(ns).Delete(t.Context(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		var cerr error
		testenv.WaitFor(t, 20*time.Second, "create the Deployment again", func() bool {
			_, cerr = c.Client.AppsV1().Deployments(ns).Create(t.Context(), functionDeployment(ns, name, 1, nil), metav1.CreateOptions{})
			return cerr == nil
		}, func() string { return cerr.Error() })
		testenv.WaitFor(t, 30*time.Second, "the new Deployment cached", func() bool {
			d, err := p.deployment(ref)
			return err == nil && d.UID != old.UID
		})
		now, err := p.deployment(ref)
		if err != nil {
			t.Fatal(err)
		}
		if !now.CreationTimestamp.Equal(&old.CreationTimestamp) {
			t.Logf("attempt %d: re-created in another second (%v, was %v); again", attempt, now.CreationTimestamp.UTC(), old.CreationTimestamp.UTC())
			continue
		}

		werr := p.ScaleFromCreated(t.Context(), ref, 1, 0, listed.CreatedAt)
		live, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *live.Spec.Replicas != 1 || !errors.Is(werr, provider.ErrNotFound) {
			t.Errorf("ScaleFromCreated(1→0) decided on deployment %s/%s uid %s (created %v) returned %v and set its replacement "+
				"(uid %s, created the same second) to %d replicas; want it untouched and a *provider.ReplacedError (ErrNotFound)",
				ns, name, old.UID, listed.CreatedAt, werr, live.UID, *live.Spec.Replicas)
		}
		return
	}
	t.Skip("could not re-create a Deployment within the second of its predecessor in 5 attempts")
}

// Function answers as Functions lists (its doc, and hpa.go's reason for
// answering ErrNotFound for a function an HPA scales: any other error makes
// the scaler take the provider for failing, ErrUnavailable, re-queue the
// signal, count a read error and answer the webhook 503 while it is the
// last provider contact). A function claimed by several Deployments, none
// named like it (blue/green copies), is left out of the listing, but
// Function answers it with a plain error, not ErrNotFound.
func TestReview49eAmbiguousFunctionReadsAsNotFound(t *testing.T) {
	f := newFakeCluster(
		newDeployment(fnNS, "api-blue", withReplicas(2, 2), withLabels(FunctionLabel, "api")),
		newDeployment(fnNS, "api-green", withReplicas(2, 2), withLabels(FunctionLabel, "api")),
		newDeployment(fnNS, "echo"),
	)
	p := startFake(t, f)
	ref := provider.Ref{Name: "api", Namespace: fnNS}
	fns, err := p.Functions(t.Context(), fnNS)
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range fns {
		if fn.Ref == ref {
			t.Fatalf("Functions lists %s, claimed by two Deployments", ref)
		}
	}
	if _, err := p.Function(t.Context(), ref); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Function(%s), which Functions leaves out: %v; want an error wrapping provider.ErrNotFound", ref, err)
	}
}

package kubernetes

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A function's Deployment deleted and created again within one second
// (kubectl replace --force, Argo CD's Replace=true sync: the case review 49e
// found) gets, from createdAt (convert.go), its predecessor's whole-second
// creationTimestamp plus a sub-second part hashed from its UID. That tells
// the two apart by equality, but not by order: for about half of all UID
// pairs the new function's CreatedAt is BEFORE its predecessor's. The
// actuator takes "a later Created than seen" as "a new function under the
// name" (actuator/slot.go renew: created.After(s.created)) and only then
// forgets the predecessor's last write, error back-off and refused counts;
// convert.go's comment says the UID part serves "the actuator" too. Here
// the predecessor's scale to zero was refused by an admission webhook
// (held off for RefusedBackoff, an hour), and the function deployed again
// in the same second — a function the policy no longer refuses — is
// refused zero too, without asking the API server, for up to that hour.
// Expected: a re-created Deployment's CreatedAt is later than its
// predecessor's (or the actuator otherwise sees a new function), and the
// new function's scale to zero is applied.
func TestReview51ESameSecondReplacementCreatedAtGoesBackwards(t *testing.T) {
	ref := provider.Ref{Name: "echo", Namespace: fnNS}
	old := newDeployment(fnNS, "echo")
	old.UID = types.UID("uid-2") // sub-second part 913ms
	f := newFakeCluster(old)
	f.failUpdate = &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 400,
		Message: `admission webhook "validate.kyverno.svc-fail" denied the request: keep one replica`}}
	p := startFake(t, f)

	cfg := actuator.Default()
	cfg.Provider, cfg.Clock = p, clock.Real()
	act, err := actuator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	before, err := p.Function(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	toZero := func(fn provider.Function) actuator.Intent {
		return actuator.Intent{Ref: ref, From: 1, To: 0, Who: actuator.Idler, Code: "idle", Observed: time.Now(), Created: fn.CreatedAt}
	}
	if o := act.Apply(t.Context(), toZero(before)); o.Code != actuator.CodeRefused {
		t.Fatalf("scale to zero of the first echo: %s (%s); want refused by the webhook", o.Code, o.Reason)
	}

	// kubectl replace --force within the same second; the policy is gone.
	if err := f.Tracker().Delete(deploymentsGVR, fnNS, "echo"); err != nil {
		t.Fatal(err)
	}
	again := newDeployment(fnNS, "echo") // same whole-second creationTimestamp
	again.UID = types.UID("uid-1")       // sub-second part 401ms
	if err := f.Tracker().Create(deploymentsGVR, again, fnNS); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.failUpdate = nil
	f.mu.Unlock()
	var after provider.Function
	testenv.WaitFor(t, 10*time.Second, "the new echo cached", func() bool {
		d, err := p.deployment(ref)
		if err != nil || d.UID != again.UID {
			return false
		}
		after = toFunction(d)
		return true
	})
	if !after.CreatedAt.After(before.CreatedAt) {
		t.Errorf("echo deployed again (uid %s) has CreatedAt %v, before its predecessor's (uid %s) %v: "+
			"the actuator (renew: a later Created is a new function) keeps the predecessor's state",
			again.UID, after.CreatedAt.Format(time.RFC3339Nano), old.UID, before.CreatedAt.Format(time.RFC3339Nano))
	}
	o := act.Apply(t.Context(), toZero(after))
	if o.Code != actuator.CodeApplied {
		t.Errorf("scale to zero of the echo deployed again: %s (%s); want applied: the refusal was of its predecessor", o.Code, o.Reason)
	}
	if _, updates := f.counts(); updates != 1 {
		t.Errorf("%d scale writes reached the API server; want 1 (the new echo's)", updates)
	}
}

// kubeapi.MemoryLeases, the stand-in the elector's unit tests race on
// (leader/deleted_test.go deletes the Lease under a leader), says "an
// update of a Lease that does not exist creates it ... whatever
// resourceVersion the update carries". Every update the elector makes
// carries the UID too (it writes over the server's answer: mine, or the
// Lease just read), and the real API server checks it as a precondition:
// an update over a deleted Lease is 409 Conflict ("Precondition failed: UID
// in precondition: ..., UID in object meta: "), not a create. The stand-in
// sets no UID at all and creates the Lease, so the elector's path after a
// `kubectl delete lease` (conflict, read, NotFound, create with a fresh
// record: acquireTime now, leaseTransitions 0) is not the one its tests
// run (the renewal silently re-creates the old record). Expected: the
// stand-in answers as the API server (Conflict).
func TestReview51EMemoryLeasesUpdateOverADeletedLease(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	real, err := kubeapi.New(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	mem := &kubeapi.MemoryLeases{}
	answers := map[string]string{}
	for who, l := range map[string]kubeapi.Leases{"api server": real, "memory": mem} {
		ctx := context.Background()
		created, err := l.CreateLease(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deleted-" + map[string]string{"api server": "a", "memory": "m"}[who]}})
		if err != nil {
			t.Fatal(err)
		}
		if who == "memory" {
			err = mem.DeleteLease(ctx, ns, created.Name)
		} else {
			err = c.Client.CoordinationV1().Leases(ns).Delete(ctx, created.Name, metav1.DeleteOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
		next := created.DeepCopy() // as the elector renews over its last write
		next.Spec.HolderIdentity = ptr.To("a")
		_, err = l.UpdateLease(ctx, next)
		answers[who] = answerKind(err)
	}
	if answers["memory"] != answers["api server"] {
		t.Errorf("update over a deleted Lease with the answer of its creation: the API server answers %s, MemoryLeases %s; want the same",
			answers["api server"], answers["memory"])
	}
}

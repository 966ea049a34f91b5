package kubeapi

import (
	"context"
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestMemoryLeasesOptimisticConcurrency(t *testing.T) {
	var m MemoryLeases
	ctx := context.Background()
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "openfaas", Name: "x"}}
	if _, err := m.GetLease(ctx, "openfaas", "x"); !apierrors.IsNotFound(err) {
		t.Fatalf("get before create = %v; want NotFound", err)
	}
	created, err := m.CreateLease(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateLease(ctx, l); !apierrors.IsAlreadyExists(err) {
		t.Errorf("second create = %v; want AlreadyExists", err)
	}
	// Two writers read the same version; the second write conflicts.
	a, _ := m.GetLease(ctx, "openfaas", "x")
	b, _ := m.GetLease(ctx, "openfaas", "x")
	a.Spec.HolderIdentity, b.Spec.HolderIdentity = ptr.To("a"), ptr.To("b")
	if _, err := m.UpdateLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpdateLease(ctx, b); !apierrors.IsConflict(err) {
		t.Errorf("stale update = %v; want Conflict", err)
	}
	got, _ := m.GetLease(ctx, "openfaas", "x")
	if *got.Spec.HolderIdentity != "a" || got.ResourceVersion == created.ResourceVersion {
		t.Errorf("stored holder %q rv %q (created at %q); want a at a new version", *got.Spec.HolderIdentity, got.ResourceVersion, created.ResourceVersion)
	}
	// Copies out: changing what Get returned changes nothing stored.
	got.Spec.HolderIdentity = ptr.To("mallory")
	if again, _ := m.GetLease(ctx, "openfaas", "x"); *again.Spec.HolderIdentity != "a" {
		t.Error("GetLease handed out the stored object")
	}
	// No resourceVersion: Invalid, as the API server answers for Leases
	// (they allow no unconditional update).
	b.ResourceVersion = ""
	if _, err := m.UpdateLease(ctx, b); !apierrors.IsInvalid(err) {
		t.Errorf("update without a resourceVersion = %v; want Invalid", err)
	}
}

func TestMemoryLeasesDelete(t *testing.T) {
	var m MemoryLeases
	ctx := context.Background()
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "openfaas", Name: "x"}}
	if err := m.DeleteLease(ctx, "openfaas", "x"); !apierrors.IsNotFound(err) {
		t.Errorf("delete before create = %v; want NotFound", err)
	}
	old, err := m.CreateLease(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteLease(ctx, "openfaas", "x"); err != nil {
		t.Fatal(err)
	}
	// An update over the deleted Lease carries its UID: the API server
	// checks it as a precondition and answers Conflict, not a create.
	if _, err := m.UpdateLease(ctx, old); !apierrors.IsConflict(err) {
		t.Errorf("update of a deleted lease with its UID = %v; want Conflict", err)
	}
	if _, err := m.GetLease(ctx, "openfaas", "x"); !apierrors.IsNotFound(err) {
		t.Errorf("get after an update over the deleted lease = %v; want NotFound (not re-created)", err)
	}
	// Leases allow create on update, as the API server does, when the
	// update carries no UID, whatever its resourceVersion.
	anon := old.DeepCopy()
	anon.UID = ""
	recreated, err := m.UpdateLease(ctx, anon)
	if err != nil {
		t.Fatalf("update without a UID of a deleted lease = %v; want it created", err)
	}
	if recreated.UID == "" || recreated.UID == old.UID {
		t.Errorf("lease created on update has UID %q (the deleted one's %q); want a new one", recreated.UID, old.UID)
	}
	if err := m.DeleteLease(ctx, "openfaas", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateLease(ctx, l); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
	if _, err := m.UpdateLease(ctx, old); !apierrors.IsConflict(err) {
		t.Errorf("update over the deleted lease's version = %v; want Conflict", err)
	}
	// The same at the current version: the UID is another Lease's.
	cur, _ := m.GetLease(ctx, "openfaas", "x")
	over := old.DeepCopy()
	over.ResourceVersion = cur.ResourceVersion
	if _, err := m.UpdateLease(ctx, over); !apierrors.IsConflict(err) {
		t.Errorf("update at the current version with the deleted lease's UID = %v; want Conflict", err)
	}
	// An update carrying no UID keeps the stored one.
	cur.UID = ""
	kept, err := m.UpdateLease(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := m.GetLease(ctx, "openfaas", "x"); kept.UID == "" || again.UID != kept.UID {
		t.Errorf("update without a UID: answered UID %q, stored %q; want the lease's own", kept.UID, again.UID)
	}
}

package kubernetes

import (
	"context"
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
)

// TestClusterMemoryLeasesAnswerAsTheAPIServer runs one sequence of Lease
// writes against the real API server and against kubeapi.MemoryLeases, the
// stand-in the elector's unit tests race on, and compares the kind of each
// answer: a stand-in that accepts what the server refuses lets an elector
// defect pass its tests.
//
// Seen failing before MemoryLeases refused an update without a
// resourceVersion and created a Lease updated that did not exist: the API
// server answers Invalid to the first ("must be specified for an update":
// Leases allow no unconditional update), the stand-in took the write; and
// it stores the second (Leases allow create on update), the stand-in
// answered NotFound.
func TestClusterMemoryLeasesAnswerAsTheAPIServer(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	real, err := kubeapi.New(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{
		"api server": leaseAnswers(t.Context(), real, ns),
		"memory":     leaseAnswers(t.Context(), &kubeapi.MemoryLeases{}, ns),
	}
	want := []string{"NotFound", "ok", "AlreadyExists", "ok", "Conflict", "Invalid", "ok", "ok"}
	for who, answers := range got {
		if len(answers) != len(want) {
			t.Errorf("%s answered %v; want %v", who, answers, want)
			continue
		}
		for i := range want {
			if answers[i] != want[i] {
				t.Errorf("%s answered %v; want %v (step %d differs)", who, answers, want, i)
				break
			}
		}
	}
}

// leaseAnswers runs the sequence on l and returns each step's answer kind:
// get before create, create, create again, update at the current version,
// update at the version before it, update without a version, update of a
// Lease never created (Leases allow create on update) with a version and
// without.
func leaseAnswers(ctx context.Context, l kubeapi.Leases, ns string) []string {
	var out []string
	note := func(err error) { out = append(out, answerKind(err)) }
	_, err := l.GetLease(ctx, ns, "memory-vs-server")
	note(err)
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "memory-vs-server"}}
	created, err := l.CreateLease(ctx, lease)
	note(err)
	_, err = l.CreateLease(ctx, lease)
	note(err)
	if created == nil {
		return out
	}
	next := created.DeepCopy()
	next.Spec.HolderIdentity = ptr.To("a")
	_, err = l.UpdateLease(ctx, next)
	note(err)
	stale := created.DeepCopy()
	stale.Spec.HolderIdentity = ptr.To("b")
	_, err = l.UpdateLease(ctx, stale)
	note(err)
	unversioned := created.DeepCopy()
	unversioned.ResourceVersion = ""
	unversioned.Spec.HolderIdentity = ptr.To("c")
	_, err = l.UpdateLease(ctx, unversioned)
	note(err)
	never := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "never-created", ResourceVersion: "1"}}
	_, err = l.UpdateLease(ctx, never)
	note(err)
	neverUnversioned := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "never-created-2"}}
	_, err = l.UpdateLease(ctx, neverUnversioned)
	note(err)
	return out
}

func answerKind(err error) string {
	switch {
	case err == nil:
		return "ok"
	case apierrors.IsNotFound(err):
		return "NotFound"
	case apierrors.IsAlreadyExists(err):
		return "AlreadyExists"
	case apierrors.IsConflict(err):
		return "Conflict"
	case apierrors.IsInvalid(err):
		return "Invalid"
	}
	return "other: " + err.Error()
}

package kubernetes

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// transformed is d as the cache holds it after createdOrder's transform.
func transformed(t *testing.T, o *createdOrder, d *appsv1.Deployment) *appsv1.Deployment {
	t.Helper()
	out, err := o.transform(d.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	return out.(*appsv1.Deployment)
}

func withUID(uid string) deploymentOpt {
	return func(d *appsv1.Deployment) { d.UID = types.UID(uid) }
}

// TestCreatedOrderSameSecondReplacementIsLater: a Deployment replaced
// within its second (uid-1's hash is before uid-2's) reads as later than
// its predecessor, the same at every event, within the second; its
// function shows no stamp among its annotations.
func TestCreatedOrderSameSecondReplacementIsLater(t *testing.T) {
	o := newCreatedOrder()
	o.store = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	old := transformed(t, o, newDeployment(fnNS, "echo", withUID("uid-2")))
	if got, want := createdAt(old), hashedCreatedAt(old); !got.Equal(want) {
		t.Fatalf("first Deployment: CreatedAt %v; want its hash %v", got, want)
	}
	o.onDelete(old)
	fresh := newDeployment(fnNS, "echo", withUID("uid-1"))
	if !hashedCreatedAt(fresh).Before(createdAt(old)) {
		t.Fatal("fixture: uid-1's hash should be before uid-2's")
	}
	again := transformed(t, o, fresh)
	if got := createdAt(again); !got.After(createdAt(old)) || !got.Before(old.CreationTimestamp.Add(time.Second)) {
		t.Errorf("replacement's CreatedAt %v; want after its predecessor's %v, within its second", got, createdAt(old))
	}
	if next := transformed(t, o, fresh); !createdAt(next).Equal(createdAt(again)) {
		t.Errorf("the replacement's next event: CreatedAt %v, was %v", createdAt(next), createdAt(again))
	}
	if fn := toFunction(again); fn.Annotations[createdAtAnnotation] != "" {
		t.Errorf("function annotations carry the cache's stamp: %v", fn.Annotations)
	}
	// A stamp the API server sends is not the provider's.
	forged := newDeployment(fnNS, "other", withUID("uid-3"))
	forged.Annotations = map[string]string{createdAtAnnotation: "2000-01-01T00:00:00Z"}
	if got := transformed(t, o, forged); !createdAt(got).Equal(hashedCreatedAt(forged)) {
		t.Errorf("a Deployment carrying %s: CreatedAt %v; want its hash", createdAtAnnotation, createdAt(got))
	}
}

// A replacement created in a later second is later by its timestamp and
// keeps its hash; a Deployment's events keep theirs.
func TestCreatedOrderLaterSecondKeepsHash(t *testing.T) {
	o := newCreatedOrder()
	o.store = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	old := transformed(t, o, newDeployment(fnNS, "echo", withUID("uid-2")))
	later := newDeployment(fnNS, "echo", withUID("uid-1"))
	later.CreationTimestamp = metav1.NewTime(old.CreationTimestamp.Add(time.Second))
	if got := transformed(t, o, later); !createdAt(got).Equal(hashedCreatedAt(later)) {
		t.Errorf("replacement of a later second: CreatedAt %v; want its hash %v", createdAt(got), hashedCreatedAt(later))
	}
}

// The stamps of deleted Deployments are forgotten once deletedKept more
// have been deleted, except one the cache holds again.
func TestCreatedOrderForgetsDeleted(t *testing.T) {
	o := newCreatedOrder()
	o.store = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	back := transformed(t, o, newDeployment(fnNS, "back", withUID("back")))
	o.onDelete(cache.DeletedFinalStateUnknown{Key: fnNS + "/back", Obj: back})
	if err := o.store.Add(back); err != nil { // its labels match the selector again
		t.Fatal(err)
	}
	for i := range deletedKept + 10 {
		d := transformed(t, o, newDeployment(fnNS, fmt.Sprintf("fn-%d", i), withUID(fmt.Sprint(i))))
		o.onDelete(d)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.last["back"]; !ok {
		t.Error("forgot the stamp of a Deployment the cache holds again")
	}
	// fn-0 … fn-9 forgotten, plus back's slot: at most deletedKept left.
	if n := len(o.last); n > deletedKept+1 {
		t.Errorf("%d stamps kept after %d deletions; want at most %d", n, deletedKept+11, deletedKept+1)
	}
	if _, ok := o.last["fn-0"]; ok {
		t.Error("fn-0's stamp kept after deletedKept more deletions")
	}
	if len(o.gone) != deletedKept {
		t.Errorf("%d deletions queued; want %d", len(o.gone), deletedKept)
	}
}

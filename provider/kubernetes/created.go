package kubernetes

import (
	"hash/fnv"
	"maps"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// createdAtAnnotation carries, on a cached Deployment only, the CreatedAt
// createdOrder handed it when that is not createdAt's hash (a same-second
// replacement's). The cache's transform sets it and slim strips any the API
// server sends, so only the provider's own value is ever read; merge keeps
// it out of the function's annotations.
const createdAtAnnotation = "faas-autoscaler.internal/created-at"

// createdStep is how much later than its predecessor's a same-second
// replacement's CreatedAt is made: enough to order them, and a million of
// them still fit in the second.
const createdStep = time.Microsecond

// deletedKept is how many deleted Deployments' stamps a namespace keeps for
// a replacement to be ordered after. The replacement's ADDED follows its
// predecessor's DELETED in the same watch stream (or the same relist), so
// it needs only the few deletions in between; the bound keeps a namespace
// that churns through functions from growing the map.
const deletedKept = 1024

// createdAt is the Deployment's creation time as the function's CreatedAt:
// the value the cache's transform stamped on it (createdOrder) when there
// is one, else hashedCreatedAt.
func createdAt(d *appsv1.Deployment) time.Time {
	if v, ok := d.Annotations[createdAtAnnotation]; ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t
		}
	}
	return hashedCreatedAt(d)
}

// hashedCreatedAt is the creationTimestamp with a sub-second part taken
// from the UID (zero when the API server gave no creation time). The API
// server stamps creation in whole seconds, and a Deployment deleted and
// created again within one (kubectl replace --force, a GitOps tool's
// replace sync: deletion is in the background, the name free at once) had
// its predecessor's: a decision made on the old function (the idler's
// 1 → 0) passed ScaleFromCreated's check and landed on the new one. With
// the UID in it, CreatedAt tells the two apart wherever it is compared (the
// actuator, the idler's state, a pre-warm), still within the second it
// names. It does not order them: for half of all UID pairs the hash of the
// newer is the smaller, which createdOrder corrects.
func hashedCreatedAt(d *appsv1.Deployment) time.Time {
	if d.CreationTimestamp.IsZero() {
		return time.Time{}
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(d.UID))
	return d.CreationTimestamp.UTC().Add(time.Duration(h.Sum64() % uint64(time.Second)))
}

// createdOrder makes a same-second replacement's CreatedAt later than its
// predecessor's. The actuator takes a later Created than it has seen for "a
// new function under the name" (and only then forgets the predecessor's
// last write, error back-off and refusals); with the hash alone, half of
// all replacements within one second read as older and inherited them.
// The API server cannot order the two (both carry the same whole second),
// but the cache sees the delete and the create in order: the transform
// remembers, per Deployment name, the UID it last saw and the CreatedAt it
// gave it, and a new UID of the same second whose hash is not after that
// gets it plus createdStep (still within the second; a new UID of a later
// second is later anyway). The same UID gets the same CreatedAt at every
// event, so Functions, Function and Scale, which all read the cached
// Deployment, agree.
//
// Memory: one stamp per cached Deployment, and per deleted one until
// deletedKept more have been deleted in the namespace. A provider started
// after the predecessor was deleted cannot order the two; neither can
// anything else, and its actuator has no state of the predecessor either.
type createdOrder struct {
	store cache.Indexer // the informer's, to tell a deleted name from one cached again

	mu   sync.Mutex
	last map[string]stamp // Deployment name → its latest Deployment's
	gone []stamp          // deleted Deployments, oldest first (name and UID)
}

type stamp struct {
	name string
	uid  types.UID
	at   time.Time
}

func newCreatedOrder() *createdOrder {
	return &createdOrder{last: make(map[string]stamp)}
}

// transform is the informer's transform: slim, then the CreatedAt stamp.
// It runs on every object the watch or a relist delivers, in the order the
// API server sent them, before the cache holds it. It is idempotent (a
// watch-list's initial objects pass through it twice).
func (o *createdOrder) transform(obj any) (any, error) {
	out, err := slim(obj)
	d, ok := out.(*appsv1.Deployment)
	if err != nil || !ok {
		return out, err
	}
	hashed := hashedCreatedAt(d)
	if hashed.IsZero() {
		return d, nil
	}
	if at := o.stamp(d.Name, d.UID, hashed); !at.Equal(hashed) {
		a := maps.Clone(d.Annotations)
		if a == nil {
			a = make(map[string]string, 1)
		}
		a[createdAtAnnotation] = at.Format(time.RFC3339Nano)
		d.Annotations = a
	}
	return d, nil
}

// stamp returns the CreatedAt of the Deployment name/uid whose hashed one
// is hashed, and remembers it as the name's latest.
func (o *createdOrder) stamp(name string, uid types.UID, hashed time.Time) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	at := hashed
	prev, ok := o.last[name]
	switch {
	case !ok:
	case prev.uid == uid:
		at = prev.at
	case !hashed.After(prev.at) && hashed.Truncate(time.Second).Equal(prev.at.Truncate(time.Second)):
		if next := prev.at.Add(createdStep); next.Before(hashed.Truncate(time.Second).Add(time.Second)) {
			at = next
		}
	}
	o.last[name] = stamp{name: name, uid: uid, at: at}
	return at
}

// onDelete is the informer's delete handler: the stamp of a deleted
// Deployment is kept for a replacement to be ordered after, and forgotten
// once deletedKept more have been deleted, unless its name has been
// stamped for another UID meanwhile (the replacement's, kept) or the cache
// holds it again (its labels matched the selector again).
func (o *createdOrder) onDelete(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gone = append(o.gone, stamp{name: d.Name, uid: d.UID})
	if len(o.gone) <= deletedKept {
		return
	}
	gone := o.gone[0]
	o.gone[0] = stamp{}
	o.gone = o.gone[1:]
	if cur, ok := o.last[gone.name]; !ok || cur.uid != gone.uid {
		return
	}
	// Lock order: informer queue → o.mu (transform), o.mu → indexer
	// (here), informer queue → indexer (the informer): no cycle.
	if c, ok, _ := o.store.GetByKey(d.Namespace + "/" + gone.name); ok {
		if cd, ok := c.(*appsv1.Deployment); ok && cd.UID == gone.uid {
			return
		}
	}
	delete(o.last, gone.name)
}

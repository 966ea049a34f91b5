package kubernetes

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// lastAppliedAnnotation holds a JSON copy of the whole manifest written by
// `kubectl apply`. It is often the largest thing on a Deployment and no
// scaling knob lives in it, so the cache drops it.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// functionName is the name a Deployment's function goes by: the
// faas_function label when present (faas-netes sets it to the function
// name), else the Deployment's own name (plain Deployments, other platforms).
func functionName(d *appsv1.Deployment) string {
	if v := d.Labels[FunctionLabel]; v != "" {
		return v
	}
	return d.Name
}

// toFunction converts a cached Deployment.
//
// Labels and annotations are the pod template's overlaid with the
// Deployment's own, so the Deployment wins on a conflict: faas-netes writes
// the function's labels to both, and someone tuning a function with
// `kubectl label deployment` changes only the Deployment's (a template change
// would restart every pod), so the Deployment's value is the newer intent.
//
// Desired replicas is spec.replicas, or 1 when unset because that is what the
// API server defaults it to; available is status.availableReplicas (ready for
// minReadySeconds), which is what can serve traffic, at most the desired
// count (availableFor).
func toFunction(d *appsv1.Deployment) provider.Function {
	desired := uint64(1)
	if d.Spec.Replicas != nil {
		desired = nonNegative(*d.Spec.Replicas)
	}
	f := provider.Function{
		Ref:               provider.Ref{Name: functionName(d), Namespace: d.Namespace},
		Labels:            merge(d.Spec.Template.Labels, d.Labels),
		Annotations:       merge(d.Spec.Template.Annotations, d.Annotations),
		Replicas:          desired,
		AvailableReplicas: availableFor(d.Status.AvailableReplicas, desired),
	}
	f.CreatedAt = createdAt(d)
	return f
}

// merge returns base overlaid with over, as a new map; nil when both are
// empty. The cache's trimmed last applied manifest and CreatedAt stamp are
// not the function's.
func merge(base, over map[string]string) map[string]string {
	if len(base)+len(over) == 0 {
		return nil
	}
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	delete(out, lastAppliedAnnotation)
	delete(out, createdAtAnnotation) // the cache's own (created.go)
	return out
}

// availableFor is the available count that serves the desired count:
// status.availableReplicas, at most desired. The status lags the spec: just
// after a scale-down (5→2, or to zero) it still counts the pods being
// deleted, which the endpoints drop at once, and mid rollout it counts the
// surge pods the rollout removes. Those are not capacity the function keeps;
// reported as available they made 5 of 2 replicas available, and the
// scaler's burst threshold (a multiple of the ready replicas) too high to
// see a burst on the 2 that stay.
func availableFor(available int32, desired uint64) uint64 {
	return min(nonNegative(available), desired)
}

func nonNegative(n int32) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}

// slim is the informer's transform: it keeps only what the provider reads
// (identity, including the UID that Scale compares with the scale
// subresource's and the deletionTimestamp that makes a Deployment no
// function (live, in provider.go); labels, annotations, replicas, paused,
// status; who re-applies the replica count, applied.go, and who changed it
// last, writer.go)
// and drops the pod spec, the rest of the managed fields and of the last
// applied manifest, which are most of a Deployment's bytes. At 10k
// functions that is the difference between the cache holding manifests and
// holding the few fields the controller needs.
func slim(obj any) (any, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		// Tombstones (cache.DeletedFinalStateUnknown) pass through untouched.
		return obj, nil
	}
	out := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:              d.Name,
			Namespace:         d.Namespace,
			UID:               d.UID,
			ResourceVersion:   d.ResourceVersion,
			Generation:        d.Generation,
			CreationTimestamp: d.CreationTimestamp,
			DeletionTimestamp: d.DeletionTimestamp,
			Labels:            d.Labels,
			// The last applied manifest trimmed to its replica count, and
			// only the server-side appliers (applied.go) and the last
			// updater (writer.go) of spec.replicas, without field sets.
			// The CreatedAt stamp is the cache's own (created.go): one
			// the server sends is no one's to set.
			Annotations:   withAppliedReplicas(withoutKey(d.Annotations, createdAtAnnotation)),
			ManagedFields: replicaOwners(d.ManagedFields),
		},
		// Paused: a Deployment paused before its first rollout starts no
		// pod (paused.go).
		Spec: appsv1.DeploymentSpec{Replicas: d.Spec.Replicas, Paused: d.Spec.Paused},
		Status: appsv1.DeploymentStatus{
			ObservedGeneration: d.Status.ObservedGeneration,
			Replicas:           d.Status.Replicas,
			UpdatedReplicas:    d.Status.UpdatedReplicas,
			ReadyReplicas:      d.Status.ReadyReplicas,
			AvailableReplicas:  d.Status.AvailableReplicas,
		},
	}
	out.Spec.Template.Labels = d.Spec.Template.Labels
	out.Spec.Template.Annotations = withoutLastApplied(d.Spec.Template.Annotations)
	return out, nil
}

// withAppliedReplicas is withoutLastApplied, except that a manifest that
// declares spec.replicas leaves that much of itself (appliedReplicas): an
// apply of it resets the count (applied.go). toFunction's merge drops it.
func withAppliedReplicas(m map[string]string) map[string]string {
	v, ok := m[lastAppliedAnnotation]
	if !ok {
		return m
	}
	out := withoutLastApplied(m)
	if r := appliedReplicas(v); r != "" {
		out[lastAppliedAnnotation] = r
	}
	return out
}

func withoutLastApplied(m map[string]string) map[string]string {
	return withoutKey(m, lastAppliedAnnotation)
}

// withoutKey is m without key: m itself when it has none, else a copy.
func withoutKey(m map[string]string, key string) map[string]string {
	if _, ok := m[key]; !ok {
		return m
	}
	out := make(map[string]string, len(m)-1)
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// functionIndex indexes cached Deployments by function name, so Function and
// Scale find a function in O(1) even when its Deployment is named otherwise.
const functionIndex = "function"

func indexByFunction(obj any) ([]string, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return nil, fmt.Errorf("function index: unexpected %T", obj)
	}
	return []string{functionName(d)}, nil
}

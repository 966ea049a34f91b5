package kubernetes

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// fakeCluster is client-go's fake clientset plus what it lacks: the
// deployments/scale subresource, with resourceVersion conflicts, and a
// counter of the scale calls that reached "the server".
type fakeCluster struct {
	*fake.Clientset

	mu             sync.Mutex
	rv             int
	gets, updates  int
	conflictsToRun int   // UpdateScale answers Conflict this many more times
	failUpdate     error // UpdateScale answers this when set
	// manager, when set, is recorded as the owner of spec.replicas at each
	// UpdateScale, as the API server does for the client's user agent.
	manager string
}

var deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}

func newFakeCluster(objs ...runtime.Object) *fakeCluster {
	f := &fakeCluster{Clientset: fake.NewClientset(objs...)}
	f.PrependReactor("get", "deployments", f.getScale)
	f.PrependReactor("update", "deployments", f.updateScale)
	return f
}

func (f *fakeCluster) getScale(a k8stesting.Action) (bool, runtime.Object, error) {
	if a.GetSubresource() != "scale" {
		return false, nil, nil
	}
	get := a.(k8stesting.GetAction)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	d, err := f.deployment(get.GetNamespace(), get.GetName())
	if err != nil {
		return true, nil, err
	}
	return true, scaleOf(d), nil
}

func (f *fakeCluster) updateScale(a k8stesting.Action) (bool, runtime.Object, error) {
	if a.GetSubresource() != "scale" {
		return false, nil, nil
	}
	s := a.(k8stesting.UpdateAction).GetObject().(*autoscalingv1.Scale)
	f.mu.Lock()
	defer f.mu.Unlock()
	gr := schema.GroupResource{Group: "apps", Resource: "deployments"}
	if f.failUpdate != nil {
		return true, nil, f.failUpdate
	}
	if f.conflictsToRun > 0 {
		f.conflictsToRun--
		// Someone else wrote in between: bump the version like they would.
		d, err := f.deployment(a.GetNamespace(), s.Name)
		if err != nil {
			return true, nil, err
		}
		f.bump(d)
		if err := f.Tracker().Update(deploymentsGVR, d, d.Namespace); err != nil {
			return true, nil, err
		}
		return true, nil, apierrors.NewConflict(gr, s.Name, fmt.Errorf("the object has been modified"))
	}
	d, err := f.deployment(a.GetNamespace(), s.Name)
	if err != nil {
		return true, nil, err
	}
	// The API server's preconditions on a scale write: the UID, when sent,
	// and the resourceVersion.
	if s.UID != "" && s.UID != d.UID {
		return true, nil, apierrors.NewConflict(gr, s.Name, fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", s.UID, d.UID))
	}
	if s.ResourceVersion != "" && s.ResourceVersion != d.ResourceVersion {
		return true, nil, apierrors.NewConflict(gr, s.Name, fmt.Errorf("resourceVersion %s, have %s", s.ResourceVersion, d.ResourceVersion))
	}
	f.updates++
	r := s.Spec.Replicas
	d.Spec.Replicas = &r
	f.bump(d)
	if err := f.Tracker().Update(deploymentsGVR, d, d.Namespace); err != nil {
		return true, nil, err
	}
	if f.manager != "" {
		if d, err = f.recordOwner(d, f.manager, "scale", nil); err != nil {
			return true, nil, err
		}
	}
	return true, scaleOf(d), nil
}

// recordOwner makes (manager, subresource) the owner of d's spec.replicas
// as the API server would record it (ownReplicas). The fake's own field
// manager gives a changed count to "unknown", through the main resource,
// stamped now; so the count is written first and the ownership after, in a
// second write that changes no value (and keeps the managed fields given).
// Callers must hold f.mu.
func (f *fakeCluster) recordOwner(d *appsv1.Deployment, manager, subresource string, at *metav1.Time) (*appsv1.Deployment, error) {
	d, err := f.deployment(d.Namespace, d.Name)
	if err != nil {
		return nil, err
	}
	ownReplicas(d, manager, subresource, at)
	f.bump(d)
	return d, f.Tracker().Update(deploymentsGVR, d, d.Namespace)
}

func (f *fakeCluster) deployment(ns, name string) (*appsv1.Deployment, error) {
	obj, err := f.Tracker().Get(deploymentsGVR, ns, name)
	if err != nil {
		return nil, err
	}
	return obj.(*appsv1.Deployment).DeepCopy(), nil
}

func (f *fakeCluster) bump(d *appsv1.Deployment) {
	f.rv++
	d.ResourceVersion = "1" + strconv.Itoa(f.rv)
}

func (f *fakeCluster) counts() (gets, updates int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets, f.updates
}

func scaleOf(d *appsv1.Deployment) *autoscalingv1.Scale {
	r := int32(1)
	if d.Spec.Replicas != nil {
		r = *d.Spec.Replicas
	}
	return &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: d.Name, Namespace: d.Namespace, UID: d.UID, ResourceVersion: d.ResourceVersion},
		Spec:       autoscalingv1.ScaleSpec{Replicas: r},
		Status:     autoscalingv1.ScaleStatus{Replicas: d.Status.Replicas},
	}
}

// deployment builds a function Deployment the way faas-netes does: function
// labels on the Deployment and on the pod template.
type deploymentOpt func(*appsv1.Deployment)

func newDeployment(ns, name string, opts ...deploymentOpt) *appsv1.Deployment {
	one := int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns, ResourceVersion: "1",
			Labels:            map[string]string{FunctionLabel: name},
			CreationTimestamp: metav1.NewTime(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)),
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{FunctionLabel: name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{FunctionLabel: name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "ghcr.io/openfaas/" + name}}},
			},
		},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

func withLabels(kv ...string) deploymentOpt {
	return func(d *appsv1.Deployment) {
		for i := 0; i+1 < len(kv); i += 2 {
			d.Labels[kv[i]] = kv[i+1]
		}
	}
}

func withoutFunctionLabel() deploymentOpt {
	return func(d *appsv1.Deployment) { delete(d.Labels, FunctionLabel) }
}

func withReplicas(desired, available int32) deploymentOpt {
	return func(d *appsv1.Deployment) {
		d.Spec.Replicas = &desired
		d.Status.AvailableReplicas = available
		d.Status.ReadyReplicas = available
	}
}

// withPods sets status.replicas, the Deployment's pods whether ready or not.
func withPods(n int32) deploymentOpt {
	return func(d *appsv1.Deployment) { d.Status.Replicas = n }
}

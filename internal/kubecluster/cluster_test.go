package kubecluster

import (
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

var cluster Shared

func TestMain(m *testing.M) { os.Exit(cluster.Main(m, Options{Controllers: true})) }

// The harness's promise: with Controllers, a Deployment scaled through the
// scale subresource gets that many Ready pods from kwok, and back down.
func TestDeploymentPodsBecomeReady(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	zero := int32(0)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "fake"}}},
			},
		},
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int32{3, 1} {
		scale := &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec:       autoscalingv1.ScaleSpec{Replicas: want},
		}
		if _, err := c.Client.AppsV1().Deployments(ns).UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("scale to %d: %v", want, err)
		}
		waitReady(t, c.Client, ns, "web", want)
	}
}

// Tests in this package use the admin identity; the kubeconfig on disk
// must work for kubectl-style clients too.
func TestKubeconfigAndServiceAccountToken(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	if _, err := os.Stat(c.Kubeconfig); err != nil {
		t.Fatalf("kubeconfig: %v", err)
	}
	cfg, err := c.ServiceAccountConfig(ctx, ns, "nobody")
	if err != nil {
		t.Fatal(err)
	}
	sa, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh ServiceAccount has no Role: RBAC must refuse it.
	_, err = sa.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("listing deployments as a ServiceAccount without a Role: %v; want Forbidden", err)
	}
	// ...but it is authenticated: it may review its own access.
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "list", Group: "apps", Resource: "deployments"},
	}}
	res, err := sa.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("self review as the ServiceAccount: %v", err)
	}
	if res.Status.Allowed {
		t.Error("self review says list deployments is allowed")
	}
}

func waitReady(t *testing.T, client kubernetes.Interface, ns, name string, want int32) {
	t.Helper()
	start := time.Now()
	var got int32
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got = d.Status.ReadyReplicas
		return got == want && d.Status.Replicas == want, nil
	})
	if err != nil {
		t.Fatalf("deployment %s/%s: readyReplicas %d, want %d: %v", ns, name, got, want, err)
	}
	t.Logf("%s/%s: %d ready after %s", ns, name, want, time.Since(start).Round(time.Millisecond))
}

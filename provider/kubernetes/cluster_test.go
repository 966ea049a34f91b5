package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubecluster"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// cluster is this package's real control plane (etcd, apiserver, KCM,
// scheduler, kwok), started by the first test that needs it. Unit tests
// never start it.
var cluster kubecluster.Shared

func TestMain(m *testing.M) { os.Exit(cluster.Main(m, kubecluster.Options{Controllers: true})) }

// functionDeployment is a Deployment as faas-netes creates it: faas_function
// on the Deployment, its selector and its pod template.
func functionDeployment(ns, name string, replicas int32, extraLabels map[string]string) *appsv1.Deployment {
	labels := map[string]string{FunctionLabel: name}
	for k, v := range extraLabels {
		labels[k] = v
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{FunctionLabel: name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					// kwok plays the kubelet: the image is never pulled.
					Containers: []corev1.Container{{Name: name, Image: "ghcr.io/openfaas/" + name + ":latest"}},
				},
			},
		},
	}
}

func createDeployment(t *testing.T, client kubernetes.Interface, d *appsv1.Deployment) {
	t.Helper()
	if _, err := client.AppsV1().Deployments(d.Namespace).Create(t.Context(), d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment %s/%s: %v", d.Namespace, d.Name, err)
	}
}

// patchLabels merge-patches the Deployment's own labels (nil value deletes),
// as `kubectl label deployment` does; the pod template is untouched.
func patchLabels(t *testing.T, client kubernetes.Interface, ns, name string, labels map[string]*string) {
	t.Helper()
	patch := map[string]any{"metadata": map[string]any{"labels": labels}}
	b, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.AppsV1().Deployments(ns).Patch(t.Context(), name, types.MergePatchType, b, metav1.PatchOptions{}); err != nil {
		t.Fatalf("label %s/%s: %v", ns, name, err)
	}
}

// startProvider starts a Provider on the real cluster for the test's lifetime.
// It talks through the controller's own client (kubeapi), with the binary's
// user agent (the API server's manager name for its writes: writer.go).
func startProvider(t *testing.T, rc *rest.Config, namespaces ...string) *Provider {
	t.Helper()
	client, err := kubeapi.New(asController(rc))
	if err != nil {
		t.Fatal(err)
	}
	return startOn(t, client, namespaces...)
}

// startOn starts a Provider with the default configuration over client for
// the test's lifetime.
func startOn(t *testing.T, client kubeapi.Deployments, namespaces ...string) *Provider {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Client = client
	cfg.Namespaces = namespaces
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Start's ctx is the informers' lifetime, so no timeout on it: a
	// watchdog fails the test if the sync hangs.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hung := time.AfterFunc(30*time.Second, cancel)
	start := time.Now()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hung.Stop()
	t.Logf("provider synced %v in %s", namespaces, time.Since(start).Round(time.Millisecond))
	return p
}

// waitCached waits until the provider's cache shows ref in the wanted state
// (or, with ok nil, until ref is gone), and logs how long that took.
func waitCached(t *testing.T, p *Provider, ref provider.Ref, timeout time.Duration, what string, ok func(provider.Function) bool) {
	t.Helper()
	start := time.Now()
	var fn provider.Function
	var err error
	testenv.WaitFor(t, timeout, ref.String()+": "+what, func() bool {
		fn, err = p.Function(t.Context(), ref)
		if ok == nil {
			return err != nil
		}
		return err == nil && ok(fn)
	}, func() string {
		return fmt.Sprintf("last: desired %d, available %d, labels %v; %v", fn.Replicas, fn.AvailableReplicas, fn.Labels, err)
	})
	t.Logf("%s: %s after %s", ref, what, time.Since(start).Round(time.Millisecond))
}

// asController is rc with the controller's user agent, as RESTConfig and the
// binary set it, when rc sets none.
func asController(rc *rest.Config) *rest.Config {
	rc = rest.CopyConfig(rc)
	if rc.UserAgent == "" {
		rc.UserAgent = userAgent + "/test"
	}
	return rc
}

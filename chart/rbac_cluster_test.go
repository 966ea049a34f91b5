package chart

import (
	"context"
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	k8sprovider "github.com/faas-autoscaler/faas-autoscaler/provider/kubernetes"
)

const functionNS = "openfaas-fn"

// The controller, authenticated with a token of the chart's ServiceAccount
// and bound only by the chart's Roles, can do its whole job (sync its cache
// of function Deployments, scale one, win and release the chart's Lease) and
// is refused everything else.
func TestClusterChartRBACIsSufficientAndMinimal(t *testing.T) {
	c := cluster.Get(t)
	a := newApplier(t, c)
	ctx := t.Context()
	ensureNamespaces(t, a, releaseNS, functionNS, "elsewhere")
	for _, d := range decode(t, mustTemplate(t, nil)) { // the defaults: provider kubernetes
		if err := a.apply(ctx, toUnstructured(t, d.Object)); err != nil {
			t.Fatalf("apply %s: %v", d.Source, err)
		}
	}
	for _, ns := range []string{functionNS, "elsewhere"} {
		if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, function(ns, "echo"), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	cfg, err := c.ServiceAccountConfig(ctx, releaseNS, fullname) // the chart's account, created above
	if err != nil {
		t.Fatal(err)
	}
	sa, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The controller's own client, as the binary uses it.
	lean, err := kubeapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}

	// Its job: the informer syncs, Scale writes through deployments/scale.
	pcfg := k8sprovider.DefaultConfig()
	pcfg.Client, pcfg.Namespaces = lean, []string{functionNS}
	p, err := k8sprovider.New(pcfg)
	if err != nil {
		t.Fatal(err)
	}
	syncCtx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hung := time.AfterFunc(30*time.Second, cancel)
	if err := p.Start(syncCtx); err != nil {
		t.Fatalf("provider sync with the chart's Role: %v", err)
	}
	hung.Stop()
	// It reads HPAs, to leave alone a function an HPA or KEDA scales.
	if _, err := sa.AutoscalingV1().HorizontalPodAutoscalers(functionNS).List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("list HPAs with the chart's Role: %v", err)
	}
	ref := provider.Ref{Name: "echo", Namespace: functionNS}
	if err := p.Scale(ctx, ref, 3); err != nil {
		t.Fatalf("scale with the chart's Role: %v", err)
	}
	s, err := c.Client.AppsV1().Deployments(functionNS).GetScale(ctx, "echo", metav1.GetOptions{})
	if err != nil || s.Spec.Replicas != 3 {
		t.Errorf("scale after Scale(3) = %v, %v; want 3", s, err)
	}

	// Leader election on the chart's Lease (named like the release), in the
	// release's namespace, with a scale while leading.
	runCtx, stop := context.WithCancel(ctx)
	scaled, done := make(chan error, 1), make(chan error, 1)
	go func() {
		done <- leader.Run(runCtx, leader.Config{
			Client: lean, Namespace: releaseNS, LeaseName: fullname, Identity: "chart-rbac-test",
			OnStartedLeading: func(ctx context.Context) { scaled <- p.Scale(ctx, ref, 0); <-ctx.Done() },
		})
	}()
	select {
	case err := <-scaled:
		if err != nil {
			t.Fatalf("scale while leading: %v", err)
		}
	case err := <-done:
		t.Fatalf("leader election ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("never became leader with the chart's Role")
	}
	stop()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("leader election: %v", err)
	}

	// Everything else is Forbidden.
	other := "elsewhere"
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: other}, Spec: autoscalingv1.ScaleSpec{Replicas: 3}}
	for name, call := range map[string]func(context.Context) error{
		"delete a function deployment": func(ctx context.Context) error {
			return sa.AppsV1().Deployments(functionNS).Delete(ctx, "echo", metav1.DeleteOptions{})
		},
		"patch a function deployment": func(ctx context.Context) error {
			_, err := sa.AppsV1().Deployments(functionNS).Patch(ctx, "echo", types.MergePatchType, []byte(`{"metadata":{"labels":{"x":"y"}}}`), metav1.PatchOptions{})
			return err
		},
		// Scale reads and replaces the scale subresource (GetScale,
		// UpdateScale); patch is a write the controller never makes.
		"patch a function's scale": func(ctx context.Context) error {
			_, err := sa.AppsV1().Deployments(functionNS).Patch(ctx, "echo", types.MergePatchType, []byte(`{"spec":{"replicas":7}}`), metav1.PatchOptions{}, "scale")
			return err
		},
		// The informers list and watch; a single get is never made.
		"get a function deployment": func(ctx context.Context) error {
			_, err := sa.AppsV1().Deployments(functionNS).Get(ctx, "echo", metav1.GetOptions{})
			return err
		},
		"get an hpa": func(ctx context.Context) error {
			_, err := sa.AutoscalingV1().HorizontalPodAutoscalers(functionNS).Get(ctx, "any", metav1.GetOptions{})
			return err
		},
		"create a deployment": func(ctx context.Context) error {
			_, err := sa.AppsV1().Deployments(functionNS).Create(ctx, function(functionNS, "evil"), metav1.CreateOptions{})
			return err
		},
		"create an hpa": func(ctx context.Context) error {
			_, err := sa.AutoscalingV1().HorizontalPodAutoscalers(functionNS).Create(ctx, &autoscalingv1.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "evil"},
				Spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 1,
					ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "echo"}},
			}, metav1.CreateOptions{})
			return err
		},
		"list pods": func(ctx context.Context) error {
			_, err := sa.CoreV1().Pods(functionNS).List(ctx, metav1.ListOptions{})
			return err
		},
		"read the webhook secret": func(ctx context.Context) error {
			_, err := sa.CoreV1().Secrets(releaseNS).Get(ctx, "faas-autoscaler-webhook", metav1.GetOptions{})
			return err
		},
		"read its config map": func(ctx context.Context) error {
			_, err := sa.CoreV1().ConfigMaps(releaseNS).Get(ctx, fullname+"-config", metav1.GetOptions{})
			return err
		},
		"list deployments in another namespace": func(ctx context.Context) error {
			_, err := sa.AppsV1().Deployments(other).List(ctx, metav1.ListOptions{})
			return err
		},
		"list deployments cluster-wide": func(ctx context.Context) error {
			_, err := sa.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
			return err
		},
		"scale in another namespace": func(ctx context.Context) error {
			_, err := sa.AppsV1().Deployments(other).UpdateScale(ctx, "echo", scale, metav1.UpdateOptions{})
			return err
		},
		"read another lease": func(ctx context.Context) error {
			_, err := sa.CoordinationV1().Leases(releaseNS).Get(ctx, "kube-controller-manager", metav1.GetOptions{})
			return err
		},
		"delete its lease": func(ctx context.Context) error {
			return sa.CoordinationV1().Leases(releaseNS).Delete(ctx, fullname, metav1.DeleteOptions{})
		},
		"create a lease elsewhere": func(ctx context.Context) error {
			_, err := sa.CoordinationV1().Leases(functionNS).Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{})
			return err
		},
		"grant itself a role": func(ctx context.Context) error {
			_, err := sa.RbacV1().Roles(functionNS).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "more"},
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}, metav1.CreateOptions{})
			return err
		},
	} {
		t.Run("forbidden/"+name, func(t *testing.T) {
			if err := call(t.Context()); !apierrors.IsForbidden(err) {
				t.Errorf("error = %v; want Forbidden", err)
			}
		})
	}
}

// function is a Deployment as faas-netes creates it (the faas_function label
// on it, its selector and its pods).
func function(ns, name string) *appsv1.Deployment {
	labels := map[string]string{k8sprovider.FunctionLabel: name}
	one := int32(1)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "ghcr.io/openfaas/" + name + ":latest"}}},
			},
		},
	}
}

package kubernetes

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// v2HPA is an autoscaling/v2 HorizontalPodAutoscaler of the Deployment
// target, as a user writes it or KEDA creates it for a ScaledObject
// (keda-hpa-<name>). The cluster's HPA controller runs (KCM) but has no
// metrics server, so it holds replicas within [1, 3] and otherwise leaves
// them.
func v2HPA(ns, name, target string) *autoscalingv2.HorizontalPodAutoscaler {
	one, util := int32(1), int32(70)
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target},
			MinReplicas:    &one,
			MaxReplicas:    3,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &util},
			}}},
		},
	}
}

// startLoggedProvider is startProvider with the provider's log in logs.
func startLoggedProvider(t *testing.T, rc *rest.Config, logs *teststack.SyncBuffer, namespaces ...string) *Provider {
	t.Helper()
	client, err := kubeapi.New(asController(rc))
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Client, cfg.Namespaces = client, namespaces
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hung := time.AfterFunc(30*time.Second, cancel)
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hung.Stop()
	return p
}

// On a real API server: an autoscaling/v2 HPA (KEDA's keda-hpa-<name>)
// scaling a function's Deployment takes the function out of the listing with
// one WARN naming the HPA, and a Scale of it is refused without a write; an
// HPA of a Deployment that is no function changes nothing; deleting the HPA
// brings the function back.
//
// Seen failing before the change: Functions = [echo other]; want [other]
// (keda-hpa-echo scales echo)
func TestClusterHPATargetIsLeftAlone(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	createDeployment(t, c.Client, functionDeployment(ns, "echo", 1, nil))
	createDeployment(t, c.Client, functionDeployment(ns, "other", 1, nil))
	for _, h := range []*autoscalingv2.HorizontalPodAutoscaler{v2HPA(ns, "keda-hpa-echo", "echo"), v2HPA(ns, "nginx", "nginx")} {
		if _, err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create HPA %s: %v", h.Name, err)
		}
	}
	var logs teststack.SyncBuffer
	p := startLoggedProvider(t, c.Config, &logs, ns)

	for range 3 {
		if got := listedNames(t, p, ns); !slices.Equal(got, []string{"other"}) {
			t.Fatalf("Functions = %v; want [other] (keda-hpa-echo scales echo)", got)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, "hpa=keda-hpa-echo") || !strings.Contains(out, "function=echo."+ns) {
		t.Errorf("log after 3 listings:\n%s\nwant one WARN naming function=echo.%s and hpa=keda-hpa-echo", out, ns)
	}
	ref := provider.Ref{Name: "echo", Namespace: ns}
	if _, err := p.Function(ctx, ref); !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), "keda-hpa-echo") {
		t.Errorf("Function of a Deployment an HPA scales = %v; want provider.ErrNotFound naming the HPA, as the listing", err)
	}
	var refused *provider.RefusedError
	if err := p.Scale(ctx, ref, 0); !errors.As(err, &refused) {
		t.Errorf("Scale(0) of a Deployment an HPA scales = %v; want a *provider.RefusedError", err)
	}
	if err := p.ScaleFrom(ctx, ref, 1, 0); !errors.As(err, &refused) {
		t.Errorf("ScaleFrom(1, 0) of a Deployment an HPA scales = %v; want a *provider.RefusedError", err)
	}
	if n := specReplicas(t, c, ns, "echo"); n != 1 {
		t.Errorf("echo's spec.replicas = %d; want 1, untouched", n)
	}

	// The ScaledObject (and its HPA) removed: the function is the
	// controller's again.
	if err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Delete(ctx, "keda-hpa-echo", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "echo listed again", func() bool {
		return slices.Equal(listedNames(t, p, ns), []string{"echo", "other"})
	}, func() string { return strings.Join(listedNames(t, p, ns), ",") })
	if err := p.Scale(ctx, ref, 0); err != nil {
		t.Fatalf("Scale(0) once the HPA is gone: %v", err)
	}
	if n := specReplicas(t, c, ns, "echo"); n != 0 {
		t.Errorf("echo's spec.replicas = %d after Scale(0); want 0", n)
	}
	t.Logf("provider log:\n%s", logs.String())
}

// With the RBAC of before this check (no horizontalpodautoscalers in the
// function namespace's Role) the provider syncs, lists and scales as it
// did, and says once that it cannot see HPAs.
//
// Seen failing before the change: log: <INFO lines only> want exactly one
// WARN "level=WARN msg=\"cannot list HorizontalPodAutoscalers".
func TestClusterWithoutHPAAccessWarnsOnce(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "functions-old", Namespace: ns},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, Verbs: []string{"get", "update", "patch"}},
		},
	}
	if _, err := c.Client.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "functions-old", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "old-rbac", Namespace: ns}},
	}
	if _, err := c.Client.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.ServiceAccountConfig(ctx, ns, "old-rbac")
	if err != nil {
		t.Fatal(err)
	}
	sa, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The RBAC is as old as the test says: HPAs are forbidden.
	testenv.WaitFor(t, 10*time.Second, "the Role to apply", func() bool {
		_, err := sa.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		return err == nil
	})
	if _, err := sa.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{}); err == nil {
		t.Fatal("the old Role lets the account list HPAs")
	}
	createDeployment(t, c.Client, functionDeployment(ns, "echo", 1, nil))

	var logs teststack.SyncBuffer
	p := startLoggedProvider(t, cfg, &logs, ns)
	ref := provider.Ref{Name: "echo", Namespace: ns}
	waitCached(t, p, ref, 30*time.Second, "cached", func(provider.Function) bool { return true })
	for range 3 {
		if got := listedNames(t, p, ns); !slices.Equal(got, []string{"echo"}) {
			t.Fatalf("Functions = %v; want [echo]", got)
		}
	}
	if err := p.Scale(ctx, ref, 2); err != nil {
		t.Fatalf("Scale without HPA access: %v", err)
	}
	out := logs.String()
	want := `level=WARN msg="cannot list HorizontalPodAutoscalers`
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, want) {
		t.Errorf("log:\n%s\nwant exactly one WARN %q", out, want)
	}
	t.Logf("provider log:\n%s", out)
}

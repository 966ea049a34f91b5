package kubernetes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	manifests "github.com/faas-autoscaler/faas-autoscaler/deploy/kubernetes"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubecluster"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The namespaces and account the shipped manifests name.
const (
	shippedControllerNS = "openfaas"
	shippedFunctionNS   = "openfaas-fn"
	shippedAccount      = "faas-autoscaler"
)

// The controller running with a token of the shipped ServiceAccount, bound
// only by the shipped Roles, can do its whole job (sync the cache, scale,
// win and release the Lease) and is refused everything else: the RBAC is
// sufficient and minimal.
func TestClusterShippedRBACIsSufficientAndMinimal(t *testing.T) {
	c := cluster.Get(t)
	ctx := t.Context()
	for _, ns := range []string{shippedControllerNS, shippedFunctionNS} {
		_, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	applyShipped(t, c)
	other := c.Namespace(t) // a namespace the controller was not given
	createDeployment(t, c.Client, functionDeployment(shippedFunctionNS, "echo", 1, nil))
	// The shipped namespaces are the cluster's, not the test's: leave them
	// as found, so the test can run again on the same cluster (-count=2).
	t.Cleanup(func() {
		_ = c.Client.AppsV1().Deployments(shippedFunctionNS).Delete(context.Background(), "echo", metav1.DeleteOptions{})
	})
	createDeployment(t, c.Client, functionDeployment(other, "echo", 1, nil))
	// A function KEDA scales: the shipped Role lets the controller see its
	// HPA and leave it alone.
	createDeployment(t, c.Client, functionDeployment(shippedFunctionNS, "busy", 1, nil))
	if _, err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(shippedFunctionNS).Create(ctx, v2HPA(shippedFunctionNS, "keda-hpa-busy", "busy"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Client.AppsV1().Deployments(shippedFunctionNS).Delete(context.Background(), "busy", metav1.DeleteOptions{})
		_ = c.Client.AutoscalingV2().HorizontalPodAutoscalers(shippedFunctionNS).Delete(context.Background(), "keda-hpa-busy", metav1.DeleteOptions{})
	})

	cfg, err := c.ServiceAccountConfig(ctx, shippedControllerNS, shippedAccount)
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

	// Its job: the informers sync, Function reads, Scale writes, and a
	// function an HPA scales is left out.
	var logs teststack.SyncBuffer
	p := startLoggedProvider(t, cfg, &logs, shippedFunctionNS)
	ref := provider.Ref{Name: "echo", Namespace: shippedFunctionNS}
	if got := listedNames(t, p, shippedFunctionNS); !slices.Equal(got, []string{"echo"}) {
		t.Errorf("Functions = %v; want [echo] (keda-hpa-busy scales busy)", got)
	}
	if out := logs.String(); strings.Contains(out, "cannot list HorizontalPodAutoscalers") {
		t.Errorf("the shipped Role does not let the controller list HPAs:\n%s", out)
	}
	if err := p.Scale(ctx, ref, 2); err != nil {
		t.Fatalf("scale with the shipped Role: %v", err)
	}
	waitCached(t, p, ref, 30*time.Second, "scaled to 2", func(f provider.Function) bool { return f.Replicas == 2 })
	// The live read a write makes when the cache lags (checkLive) is a list
	// by name: the Role's list, no get (refused below).
	if _, err := p.liveDeployment(ctx, shippedFunctionNS, "echo"); err != nil {
		t.Errorf("the live read of a lagging write, with the shipped Role: %v", err)
	}

	// And leader election on the shipped Lease, scaling while it leads.
	scaled := make(chan error, 1)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- leader.Run(runCtx, leader.Config{
			Client: lean, Namespace: shippedControllerNS, Identity: "rbac-test",
			OnStartedLeading: func(ctx context.Context) {
				scaled <- p.Scale(ctx, ref, 0)
				<-ctx.Done()
			},
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
		t.Fatal("never became leader with the shipped Role")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("leader election: %v", err)
	}
	lease, err := c.Client.CoordinationV1().Leases(shippedControllerNS).Get(ctx, leader.DefaultLeaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := lease.Spec.HolderIdentity; h != nil && *h != "" {
		t.Errorf("lease still held by %q after shutdown; want released", *h)
	}

	// Everything else is Forbidden.
	for _, tc := range refusals(shippedFunctionNS, shippedControllerNS, other) {
		t.Run("forbidden/"+tc.name, func(t *testing.T) {
			err := tc.call(t.Context(), sa)
			if !apierrors.IsForbidden(err) {
				t.Errorf("%s: error = %v; want Forbidden", tc.name, err)
			}
		})
	}

	// A provider pointed at another namespace cannot sync, and says why.
	t.Run("provider outside its namespace", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.Client, cfg.Namespaces = lean, []string{other}
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		err = p.Start(ctx)
		if err == nil || !strings.Contains(err.Error(), "forbidden") {
			t.Errorf("Start in %s = %v; want a sync failure naming the forbidden list", other, err)
		}
	})
}

type refusal struct {
	name string
	call func(context.Context, kubernetes.Interface) error
}

func refusals(fnNS, ctlNS, other string) []refusal {
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: other}, Spec: autoscalingv1.ScaleSpec{Replicas: 3}}
	noop := []byte(`{"metadata":{"labels":{"touched":"yes"}}}`)
	return []refusal{
		{"delete a function deployment", func(ctx context.Context, k kubernetes.Interface) error {
			return k.AppsV1().Deployments(fnNS).Delete(ctx, "echo", metav1.DeleteOptions{})
		}},
		{"get a function deployment", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AppsV1().Deployments(fnNS).Get(ctx, "echo", metav1.GetOptions{})
			return err
		}},
		{"patch a function deployment", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AppsV1().Deployments(fnNS).Patch(ctx, "echo", types.MergePatchType, noop, metav1.PatchOptions{})
			return err
		}},
		{"create a deployment", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AppsV1().Deployments(fnNS).Create(ctx, functionDeployment(fnNS, "evil", 1, nil), metav1.CreateOptions{})
			return err
		}},
		{"create an hpa", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AutoscalingV2().HorizontalPodAutoscalers(fnNS).Create(ctx, v2HPA(fnNS, "evil", "echo"), metav1.CreateOptions{})
			return err
		}},
		{"delete an hpa", func(ctx context.Context, k kubernetes.Interface) error {
			return k.AutoscalingV2().HorizontalPodAutoscalers(fnNS).Delete(ctx, "keda-hpa-busy", metav1.DeleteOptions{})
		}},
		{"list hpas in another namespace", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AutoscalingV2().HorizontalPodAutoscalers(other).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list pods", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.CoreV1().Pods(fnNS).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list secrets in the function namespace", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.CoreV1().Secrets(fnNS).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"read the webhook secret", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.CoreV1().Secrets(ctlNS).Get(ctx, "faas-autoscaler-webhook", metav1.GetOptions{})
			return err
		}},
		{"list deployments in another namespace", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AppsV1().Deployments(other).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list deployments cluster-wide", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
			return err
		}},
		{"read scale in another namespace", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AppsV1().Deployments(other).GetScale(ctx, "echo", metav1.GetOptions{})
			return err
		}},
		{"scale in another namespace", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.AppsV1().Deployments(other).UpdateScale(ctx, "echo", scale, metav1.UpdateOptions{})
			return err
		}},
		{"list leases", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.CoordinationV1().Leases(ctlNS).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"read another lease", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.CoordinationV1().Leases(ctlNS).Get(ctx, "kube-controller-manager", metav1.GetOptions{})
			return err
		}},
		{"delete the lease", func(ctx context.Context, k kubernetes.Interface) error {
			return k.CoordinationV1().Leases(ctlNS).Delete(ctx, leader.DefaultLeaseName, metav1.DeleteOptions{})
		}},
		{"create a lease elsewhere", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.CoordinationV1().Leases(fnNS).Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{})
			return err
		}},
		{"grant itself a role", func(ctx context.Context, k kubernetes.Interface) error {
			_, err := k.RbacV1().Roles(fnNS).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "more"},
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}, metav1.CreateOptions{})
			return err
		}},
	}
}

// applyShipped creates every resource of deploy/kubernetes, as
// `kubectl apply -k` would, proving the API server accepts them.
func applyShipped(t *testing.T, c *kubecluster.Cluster) {
	t.Helper()
	objs, err := manifests.Objects()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, o := range objs {
		var err error
		switch v := o.Object.(type) {
		case *corev1.ServiceAccount:
			_, err = c.Client.CoreV1().ServiceAccounts(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
		case *rbacv1.Role:
			_, err = c.Client.RbacV1().Roles(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
		case *rbacv1.RoleBinding:
			_, err = c.Client.RbacV1().RoleBindings(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
		case *appsv1.Deployment:
			_, err = c.Client.AppsV1().Deployments(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
		case *corev1.Service:
			_, err = c.Client.CoreV1().Services(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
		case *corev1.ConfigMap:
			_, err = c.Client.CoreV1().ConfigMaps(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
		case *networkingv1.NetworkPolicy:
			_, err = c.Client.NetworkingV1().NetworkPolicies(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
		default:
			err = fmt.Errorf("no create for %T", v)
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("apply %s #%d: %v", o.File, o.Index, err)
		}
	}
}

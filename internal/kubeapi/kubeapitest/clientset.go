package kubeapitest

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/watchlist"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
)

// Clientset is kubeapi.Interface over a client-go clientset.
type Clientset struct {
	kubernetes.Interface
}

var _ kubeapi.Interface = Clientset{}

// From adapts c.
func From(c kubernetes.Interface) Clientset { return Clientset{c} }

// IsWatchListSemanticsUnSupported passes on what the clientset says: the fake
// one cannot stream an informer's initial list through its watch, so the
// informer must list first (cache.ToListWatcherWithWatchListSemantics).
func (c Clientset) IsWatchListSemanticsUnSupported() bool {
	return watchlist.DoesClientNotSupportWatchListSemantics(c.Interface)
}

// ListDeployments lists as the API server does, field selectors included:
// client-go's fake clientset applies the label selector only, and a
// Deployment read by name (metadata.name=...) would otherwise come back
// with the rest of its namespace.
func (c Clientset) ListDeployments(ctx context.Context, ns string, o metav1.ListOptions) (*appsv1.DeploymentList, error) {
	sel, err := deploymentFields(o.FieldSelector)
	if err != nil {
		return nil, err
	}
	l, err := c.AppsV1().Deployments(ns).List(ctx, o)
	if err != nil || sel.Empty() {
		return l, err
	}
	kept := l.Items[:0]
	for _, d := range l.Items {
		if sel.Matches(fields.Set{"metadata.name": d.Name, "metadata.namespace": d.Namespace}) {
			kept = append(kept, d)
		}
	}
	l.Items = kept
	return l, nil
}

// deploymentFields parses a field selector over Deployments, which the API
// server allows on metadata.name and metadata.namespace only; any other
// field is its 400.
func deploymentFields(s string) (fields.Selector, error) {
	sel, err := fields.ParseSelector(s)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("field selector %q: %v", s, err))
	}
	for _, r := range sel.Requirements() {
		if r.Field != "metadata.name" && r.Field != "metadata.namespace" {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%q is not a known field selector: only metadata.name, metadata.namespace", r.Field))
		}
	}
	return sel, nil
}

func (c Clientset) WatchDeployments(ctx context.Context, ns string, o metav1.ListOptions) (watch.Interface, error) {
	return c.AppsV1().Deployments(ns).Watch(ctx, o)
}

func (c Clientset) GetScale(ctx context.Context, ns, name string) (*autoscalingv1.Scale, error) {
	return c.AppsV1().Deployments(ns).GetScale(ctx, name, metav1.GetOptions{})
}

func (c Clientset) UpdateScale(ctx context.Context, ns, name string, s *autoscalingv1.Scale, o metav1.UpdateOptions) (*autoscalingv1.Scale, error) {
	return c.AppsV1().Deployments(ns).UpdateScale(ctx, name, s, o)
}

func (c Clientset) ListHorizontalPodAutoscalers(ctx context.Context, ns string, o metav1.ListOptions) (*autoscalingv1.HorizontalPodAutoscalerList, error) {
	return c.AutoscalingV1().HorizontalPodAutoscalers(ns).List(ctx, o)
}

func (c Clientset) WatchHorizontalPodAutoscalers(ctx context.Context, ns string, o metav1.ListOptions) (watch.Interface, error) {
	return c.AutoscalingV1().HorizontalPodAutoscalers(ns).Watch(ctx, o)
}

func (c Clientset) GetLease(ctx context.Context, ns, name string) (*coordinationv1.Lease, error) {
	return c.CoordinationV1().Leases(ns).Get(ctx, name, metav1.GetOptions{})
}

func (c Clientset) CreateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	return c.CoordinationV1().Leases(l.Namespace).Create(ctx, l, metav1.CreateOptions{})
}

func (c Clientset) UpdateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	return c.CoordinationV1().Leases(l.Namespace).Update(ctx, l, metav1.UpdateOptions{})
}

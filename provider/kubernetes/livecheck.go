package kubernetes

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// checkLive makes sure a scale write lands on ref's function and nothing
// else. Scale and ScaleFrom find the Deployment in the cache, which the
// cache only holds while it is not being deleted, matches the selector and
// claims ref's name (deployment, in provider.go); but the cache follows a
// watch, and a lagging watch keeps serving a Deployment that, live, someone
// has since relabelled out of the selector or over to another function, or
// started deleting (faas-netes deletes with foreground propagation: the
// Deployment lingers, deletionTimestamp set, while its pods go). The UID
// check (sameDeployment) cannot see these: it is the same object.
//
// s is the scale subresource just read. When its resourceVersion is the
// cached Deployment's, the cache holds the very version the write would
// replace and the cache's checks hold for it: nothing to pay, which is
// the common case (the watch is milliseconds behind, writes to a function
// seconds apart; a write just after a change, such as the deployment
// controller's status updates after a create or a scale, pays one read).
// Otherwise the Deployment is read live and the write refused,
// with provider.ErrNotFound and nothing written, when it is no longer the
// function.
//
// The scale to write is returned. When the live read's resourceVersion is
// not the scale's, the object changed between the two reads (the deployment
// controller writes status right after a scale); the live Deployment is
// then the fresher read of the same scale, so the scale is taken from it
// (its resourceVersion, spec.replicas and status.replicas) and the write's
// precondition is the version just checked. Answering a conflict there
// instead, to read both again, never landed while the controller kept
// writing: each retry met another status update between its two reads.
func (p *Provider) checkLive(ctx context.Context, ref provider.Ref, d *appsv1.Deployment, s *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
	if s.ResourceVersion == d.ResourceVersion {
		return s, nil
	}
	live, err := p.liveDeployment(ctx, d.Namespace, d.Name)
	if err != nil {
		return nil, err
	}
	if err := stillTheFunction(ref, d, live, p.selector, p.cfg.Selector); err != nil {
		return nil, err
	}
	if live.ResourceVersion == s.ResourceVersion {
		return s, nil
	}
	return liveScale(live, s), nil
}

// liveScale is the scale subresource of live, as the API server would serve
// it, keeping the selector (and the rest) of s, the scale read earlier
// from the same object (same UID: stillTheFunction checked it).
func liveScale(live *appsv1.Deployment, s *autoscalingv1.Scale) *autoscalingv1.Scale {
	out := s.DeepCopy()
	out.ResourceVersion = live.ResourceVersion
	out.Generation = live.Generation
	out.Spec.Replicas = 1 // the API's default when unset
	if live.Spec.Replicas != nil {
		out.Spec.Replicas = *live.Spec.Replicas
	}
	out.Status.Replicas = live.Status.Replicas
	return out
}

// liveDeployment reads one Deployment from the API server by listing its
// namespace with a metadata.name field selector, not by a GET: the shipped
// Roles grant `list` and `watch` on deployments and no `get` (the cache
// needs none), and a controller upgraded before its Role would otherwise
// fail every write made on a lagging cache with a 403. The API server
// serves such a list as a read of that one key, and without a
// resourceVersion in the options it is a consistent read, as fresh as a GET.
// The name is matched again here: a client that ignored the field selector
// would return the whole namespace.
func (p *Provider) liveDeployment(ctx context.Context, namespace, name string) (*appsv1.Deployment, error) {
	l, err := p.cfg.Client.ListDeployments(ctx, namespace, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("read deployment %s/%s: %w", namespace, name, err)
	}
	for i := range l.Items {
		if l.Items[i].Name == name {
			return &l.Items[i], nil
		}
	}
	return nil, fmt.Errorf("%w: deployment %s/%s is gone (deleted since its scale was read; the cache has not caught up)",
		provider.ErrNotFound, namespace, name)
}

// stillTheFunction reports, as provider.ErrNotFound with the reason, when
// the live Deployment is no longer the cached one ref resolved to: another
// object (replaced since the scale was read), being deleted, outside the
// selector (selector is its text, for the message), or claiming another
// function name by the function index's rule (functionName).
func stillTheFunction(ref provider.Ref, cached, live *appsv1.Deployment, sel labels.Selector, selector string) error {
	var why string
	switch {
	case live.UID != cached.UID:
		why = fmt.Sprintf("is now uid %q, not the function's uid %q (deleted and re-created)", live.UID, cached.UID)
	case live.DeletionTimestamp != nil:
		why = "is being deleted"
	case !sel.Matches(labels.Set(live.Labels)):
		why = fmt.Sprintf("no longer matches selector %q", selector)
	case functionName(live) != ref.Name:
		why = fmt.Sprintf("now claims function %q", functionName(live))
	default:
		return nil
	}
	return fmt.Errorf("%w: deployment %s/%s %s; the cache has not caught up, nothing written",
		provider.ErrNotFound, live.Namespace, live.Name, why)
}

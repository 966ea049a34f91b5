package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A HorizontalPodAutoscaler (written by hand, or by KEDA for a ScaledObject,
// named keda-hpa-<name>) writes spec.replicas of its scaleTargetRef through
// the same deployments/scale subresource as this provider. Two writers of
// one count fight: each undoes the other's decision at every pass. So a
// function whose Deployment an HPA in its namespace targets is not the
// controller's: Functions leaves it out, with one WARN naming the HPA,
// Function answers provider.ErrNotFound naming the HPA, as the listing
// would, and Scale and ScaleFrom refuse it. When the HPA is deleted the
// function comes back. HPAs are watched through one more informer per namespace; where they
// cannot be listed (RBAC from before this check, or no autoscaling API) the
// provider says so once and works as it did, unable to tell.

// hpaTargetIndex indexes cached HPAs by the name of the Deployment they
// scale; HPAs of anything else are not indexed.
const hpaTargetIndex = "deployment"

func indexHPAByTarget(obj any) ([]string, error) {
	h, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if !ok {
		return nil, fmt.Errorf("hpa index: unexpected %T", obj)
	}
	if !scalesDeployment(h.Spec.ScaleTargetRef) {
		return nil, nil
	}
	return []string{h.Spec.ScaleTargetRef.Name}, nil
}

// scalesDeployment reports whether an HPA's scaleTargetRef is a Deployment:
// kind Deployment in group apps (any version; KEDA and `kubectl autoscale`
// write apps/v1). An empty apiVersion counts too: it names no other group's
// Deployment, and whoever wrote it meant this one. The kind is matched in
// any case: the HPA controller's REST mapper knows every kind lower-cased
// too, so an HPA with kind "deployment" scales the Deployment, and matched
// exactly it went unseen and two writers set its replicas (a review's
// finding). Any case refuses more, never less.
func scalesDeployment(ref autoscalingv1.CrossVersionObjectReference) bool {
	if !strings.EqualFold(ref.Kind, "Deployment") {
		return false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return err == nil && (gv.Group == appsv1.GroupName || gv.Group == "")
}

// hpasOf lists and watches one namespace's HPAs; done is called after each
// list or watch with its error and whether it was a watch (listWatched).
func hpasOf(c kubeapi.Deployments, namespace string, done func(context.Context, error, bool)) cache.ListerWatcher {
	return cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			l, err := c.ListHorizontalPodAutoscalers(ctx, namespace, o)
			done(ctx, err, false)
			return l, err
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			w, err := c.WatchHorizontalPodAutoscalers(ctx, namespace, o)
			done(ctx, err, true)
			return w, err
		},
	}, c)
}

// slimHPA is the HPA informer's transform: identity, the controlling owner
// (KEDA's ScaledObject) for the warning, and the scale target.
func slimHPA(obj any) (any, error) {
	h, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if !ok {
		return obj, nil // tombstones
	}
	out := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name:            h.Name,
			Namespace:       h.Namespace,
			UID:             h.UID,
			ResourceVersion: h.ResourceVersion,
		},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: h.Spec.ScaleTargetRef},
	}
	if o := metav1.GetControllerOfNoCopy(h); o != nil {
		out.OwnerReferences = []metav1.OwnerReference{*o}
	}
	return out, nil
}

// hpaUnlistable reports whether err means the HPAs cannot be listed at all,
// which waiting will not cure: RBAC refuses it, or the server has no such
// API.
func hpaUnlistable(err error) bool {
	return apierrors.IsForbidden(err) || apierrors.IsNotFound(err)
}

// hpaWatchError is the HPA informer's error handler. A refusal before the
// first list is warned about once per namespace while it lasts (the informer
// keeps retrying with backoff, so granting the RBAC later turns detection on
// without a restart); other failures are warned about as the Deployment
// informer's are, once per distinct failure and outage.
func (p *Provider) hpaWatchError(ns string) cache.WatchErrorHandlerWithContext {
	return func(_ context.Context, _ *cache.Reflector, err error) {
		switch {
		case errors.Is(err, io.EOF):
		case errors.Is(err, io.ErrUnexpectedEOF), apierrors.IsResourceExpired(err), apierrors.IsGone(err):
			p.log.Debug("horizontalpodautoscaler watch closed; the informer re-lists", "namespace", ns, "err", err)
		case hpaUnlistable(err) && !p.caches[ns].hpas.HasSynced():
			// Refused before the first list: no HPAs known, none waited
			// for. (Refused later, the cache stays as last listed and
			// this is a failure like any other, below.)
			p.mu.Lock()
			_, known := p.hpaRefused[ns]
			if p.hpaRefused == nil {
				p.hpaRefused = map[string]error{}
			}
			p.hpaRefused[ns] = err
			p.mu.Unlock()
			if known {
				p.log.Debug("horizontalpodautoscaler list/watch refused again; the informer retries", "namespace", ns, "err", err)
				return
			}
			p.log.Warn("cannot list HorizontalPodAutoscalers: a function whose Deployment an HPA (or KEDA) also scales is not detected, "+
				"and both would write its replicas; grant list and watch on horizontalpodautoscalers (group autoscaling) in this namespace, as the chart's Role does",
				"namespace", ns, "err", err)
		default:
			p.warnFailure(ns, resourceHPAs, err)
		}
	}
}

// hpaSettled reports whether Start may stop waiting for ns's HPAs: they are
// cached, or they cannot be listed (and the provider goes on without).
func (p *Provider) hpaSettled(ns string) bool {
	if p.caches[ns].hpas.HasSynced() {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, refused := p.hpaRefused[ns]
	return refused
}

// hpaIndexer is ns's HPA cache, or nil while it cannot be listed. The first
// call that finds it synced after a refusal says detection is on.
func (p *Provider) hpaIndexer(ns string) cache.Indexer {
	c := p.caches[ns]
	if !c.hpas.HasSynced() {
		return nil
	}
	p.mu.Lock()
	_, was := p.hpaRefused[ns]
	delete(p.hpaRefused, ns)
	p.mu.Unlock()
	if was {
		p.log.Info("HorizontalPodAutoscalers listed: functions an HPA scales are left alone from now on", "namespace", ns)
	}
	return c.hpas.GetIndexer()
}

// autoscalers returns the HPAs (sorted by name) that scale d, none when the
// namespace's HPAs cannot be listed.
func autoscalers(idx cache.Indexer, d *appsv1.Deployment) []*autoscalingv1.HorizontalPodAutoscaler {
	if idx == nil {
		return nil
	}
	objs, err := idx.ByIndex(hpaTargetIndex, d.Name)
	if err != nil {
		return nil // only an unknown index name errs
	}
	var out []*autoscalingv1.HorizontalPodAutoscaler
	for _, o := range objs {
		if h, ok := o.(*autoscalingv1.HorizontalPodAutoscaler); ok {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b *autoscalingv1.HorizontalPodAutoscaler) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// hpaConflict is why a function is left out: its Deployment, and the HPAs
// that scale it with their controlling owners (KEDA's ScaledObject).
type hpaConflict struct {
	deployment, hpas, owners string
}

func conflictOf(d *appsv1.Deployment, hs []*autoscalingv1.HorizontalPodAutoscaler) hpaConflict {
	var names, owners []string
	for _, h := range hs {
		names = append(names, h.Name)
		for _, o := range h.OwnerReferences {
			owners = append(owners, o.Kind+"/"+o.Name)
		}
	}
	return hpaConflict{deployment: d.Name, hpas: strings.Join(names, ","), owners: strings.Join(owners, ",")}
}

func (c hpaConflict) attrs(ref provider.Ref) []any {
	a := []any{"function", ref.String(), "deployment", c.deployment, "hpa", c.hpas}
	if c.owners != "" {
		a = append(a, "hpa_owner", c.owners)
	}
	return a
}

// autoscaledNotFound is Function's answer for d when an HPA scales it:
// provider.ErrNotFound, as Functions leaves it out, naming the HPA. Not a
// *provider.RefusedError: a read refused would make the scaler report the
// provider failing (and the webhook answer 503 to every alert) and keep a
// function the listing does not have; not found, it forgets it, nothing
// reaches the actuator, and the explain API answers as for the listing.
// No log: the listing's WARN names the HPA once, and an alert reads the
// function at each notification.
func (p *Provider) autoscaledNotFound(ref provider.Ref, d *appsv1.Deployment) error {
	hs := autoscalers(p.hpaIndexer(d.Namespace), d)
	if len(hs) == 0 {
		return nil
	}
	c := conflictOf(d, hs)
	return fmt.Errorf("%w: %s (deployment %s is scaled by HorizontalPodAutoscaler %s: faas-autoscaler leaves it to the HPA until the HPA is deleted)",
		provider.ErrNotFound, ref, c.deployment, c.hpas)
}

// refuseAutoscaled refuses a write to d when an HPA scales it: defence in
// depth behind Functions and Function, for an intent decided on a read
// from before the HPA appeared.
func (p *Provider) refuseAutoscaled(ref provider.Ref, d *appsv1.Deployment, replicas uint64) error {
	hs := autoscalers(p.hpaIndexer(d.Namespace), d)
	if len(hs) == 0 {
		return nil
	}
	c := conflictOf(d, hs)
	return &provider.RefusedError{Ref: ref, Replicas: replicas, Message: fmt.Sprintf(
		"deployment %s is scaled by HorizontalPodAutoscaler %s; two writers of its replicas would fight, so faas-autoscaler leaves it to the HPA until the HPA is deleted",
		c.deployment, c.hpas)}
}

// noteConflicts warns about the functions of namespace that Functions left
// out because an HPA scales them, each once until its HPAs change, and says
// when one is back in listed (sorted by name, as Functions returns it).
func (p *Provider) noteConflicts(namespace string, now map[string]hpaConflict, listed []provider.Function) {
	p.mu.Lock()
	defer p.mu.Unlock()
	before := p.conflicts[namespace]
	for _, name := range slices.Sorted(maps.Keys(now)) {
		if c, seen := before[name]; !seen || c != now[name] {
			p.log.Warn("function left out of the listing: a HorizontalPodAutoscaler scales its Deployment, and two writers of its replicas would fight; "+
				"the scaler and the idler leave it alone until the HPA is deleted",
				now[name].attrs(provider.Ref{Name: name, Namespace: namespace})...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(before)) {
		_, back := slices.BinarySearchFunc(listed, name, func(f provider.Function, n string) int { return strings.Compare(f.Name, n) })
		if _, still := now[name]; !still && back {
			p.log.Info("function back in the listing: no HorizontalPodAutoscaler scales its Deployment any more",
				"function", provider.Ref{Name: name, Namespace: namespace}.String(), "deployment", before[name].deployment)
		}
	}
	if len(before)+len(now) == 0 {
		return
	}
	if p.conflicts == nil {
		p.conflicts = map[string]map[string]hpaConflict{}
	}
	p.conflicts[namespace] = now
}

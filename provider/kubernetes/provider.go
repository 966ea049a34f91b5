package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// errNotStarted: reads before Start would see an empty cache and report
// every function missing, which a caller could mistake for "no functions".
var errNotStarted = errors.New("kubernetes provider: Start has not synced the caches yet")

// Provider is a provider.Provider over Deployments. It is safe for
// concurrent use once New returns.
type Provider struct {
	cfg        Config
	selector   labels.Selector // cfg.Selector parsed, for checkLive
	log        *slog.Logger
	namespaces []string // sorted
	caches     map[string]*namespaceCache
	synced     atomic.Bool

	// lastErr is each informer's latest list/watch failure since the
	// server last answered (warnFailure), so a Start that cannot sync
	// (RBAC, wrong namespace) says why instead of timing out. Per
	// namespace and resource: the API server's 403 names the namespace, so
	// one error shared by every informer took each namespace's retry for a
	// new failure.
	mu      sync.Mutex
	lastErr map[cacheKey]error
	// ambiguous holds, per namespace, the functions the last Functions call
	// left out because several Deployments claim them (function → why), so
	// each is warned about when it appears, not at every listing.
	ambiguous map[string]map[string]string
	// conflicts holds, per namespace, the functions the last Functions call
	// left out because a HorizontalPodAutoscaler scales their Deployment
	// (hpa.go), for the same reason.
	conflicts map[string]map[string]hpaConflict
	// paused holds, per namespace, the listed functions whose Deployment
	// is paused before its first rollout (paused.go), for the same reason.
	paused map[string]map[string]bool
	// applied holds, per namespace, the listed functions whose replica
	// count an applied manifest declares (applied.go: function → appliedKey), for
	// the same reason.
	applied map[string]map[string]string
	// writers holds, per namespace, the other writers of a listed
	// function's count warned about (function → manager/subresource:
	// writer.go).
	writers map[string]map[string]map[string]bool
	// writes holds the controller's last write of each function's count
	// (writer.go), under its own lock: Functions reads it for every
	// function another manager wrote last (each one faas-netes created and
	// the controller never scaled).
	writesMu sync.RWMutex
	writes   map[provider.Ref]ownWrite
	// hpaRefused holds the namespaces whose HPAs cannot be listed (RBAC, no
	// API) and have not been since.
	hpaRefused map[string]error
	// health is each informer's list/watch state (cachehealth.go), under
	// mu; metrics export it.
	health  map[cacheKey]*cacheHealth
	metrics *cacheMetrics
}

// namespaceCache is the informers over one namespace: its function
// Deployments, and the HorizontalPodAutoscalers that may also scale them.
type namespaceCache struct {
	informer cache.SharedIndexInformer
	hpas     cache.SharedIndexInformer
}

var _ provider.Provider = (*Provider)(nil)

// New validates cfg and sets up one informer per namespace. Nothing talks to
// the API server until Start.
func New(cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	sel, err := labels.Parse(cfg.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector %q: %w", cfg.Selector, err) // Validate parsed it already
	}
	p := &Provider{
		cfg:        cfg,
		selector:   sel,
		log:        log,
		namespaces: slices.Sorted(slices.Values(cfg.Namespaces)),
		caches:     make(map[string]*namespaceCache, len(cfg.Namespaces)),
	}
	m, err := newCacheMetrics(cfg.Registerer, p.namespaces)
	if err != nil {
		return nil, err
	}
	p.metrics = m
	for _, ns := range p.namespaces {
		inf := cache.NewSharedIndexInformerWithOptions(deploymentsOf(cfg.Client, ns, cfg.Selector, p.listWatched(ns, resourceDeployments, p.watchError(ns))), &appsv1.Deployment{},
			cache.SharedIndexInformerOptions{
				ResyncPeriod: cfg.ResyncPeriod,
				Indexers:     cache.Indexers{functionIndex: indexByFunction},
			})
		// slim, and a same-second replacement's CreatedAt ordered after
		// its predecessor's (created.go).
		order := newCreatedOrder()
		order.store = inf.GetIndexer()
		if err := inf.SetTransform(order.transform); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: order.onDelete}); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
		if err := inf.SetWatchErrorHandlerWithContext(p.watchError(ns)); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
		hpas := cache.NewSharedIndexInformerWithOptions(hpasOf(cfg.Client, ns, p.listWatched(ns, resourceHPAs, p.hpaWatchError(ns))), &autoscalingv1.HorizontalPodAutoscaler{},
			cache.SharedIndexInformerOptions{
				ResyncPeriod: cfg.ResyncPeriod,
				Indexers:     cache.Indexers{hpaTargetIndex: indexHPAByTarget},
			})
		if err := hpas.SetTransform(slimHPA); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
		if err := hpas.SetWatchErrorHandlerWithContext(p.hpaWatchError(ns)); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
		p.caches[ns] = &namespaceCache{informer: inf, hpas: hpas}
	}
	return p, nil
}

// deploymentsOf lists and watches the Deployments of one namespace that the
// selector chooses: what client-go's generated Deployment informer does, on
// the controller's own small client. A client that cannot stream the initial
// list through the watch (client-go's fake) says so, as the generated
// informers ask. done is called after each list or watch with its error
// and whether it was a watch (listWatched).
func deploymentsOf(c kubeapi.Deployments, namespace, selector string, done func(context.Context, error, bool)) cache.ListerWatcher {
	return cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = selector
			l, err := c.ListDeployments(ctx, namespace, o)
			done(ctx, err, false)
			return l, err
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = selector
			w, err := c.WatchDeployments(ctx, namespace, o)
			done(ctx, err, true)
			return w, err
		},
	}, c)
}

func (p *Provider) cache(namespace string) (*namespaceCache, error) {
	if !p.synced.Load() {
		return nil, errNotStarted
	}
	c, ok := p.caches[namespace]
	if !ok {
		return nil, fmt.Errorf("%w: namespace %q is not watched (watched: %v)", provider.ErrNotFound, namespace, p.namespaces)
	}
	return c, nil
}

// deployment finds the cached Deployment of ref: among the live
// Deployments claiming the function name, by resolve's rule. A Deployment
// being deleted is no function (ErrNotFound): faas-netes deletes functions
// with foreground propagation, so the Deployment lingers, deletionTimestamp
// set, while its pods go, and a write to it would be a write to a function
// that no longer exists.
func (p *Provider) deployment(ref provider.Ref) (*appsv1.Deployment, error) {
	c, err := p.cache(ref.Namespace)
	if err != nil {
		return nil, err
	}
	objs, err := c.informer.GetIndexer().ByIndex(functionIndex, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", ref, err)
	}
	found, terminating := live(objs)
	if len(found) == 0 && terminating > 0 {
		return nil, fmt.Errorf("%w: %s (its Deployment is being deleted)", provider.ErrNotFound, ref)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w: %s (no Deployment matching %q)", provider.ErrNotFound, ref, p.cfg.Selector)
	}
	return resolve(ref, found)
}

// live returns the cached Deployments of objs that are not being deleted,
// and how many are.
func live(objs []any) (ds []*appsv1.Deployment, terminating int) {
	ds = make([]*appsv1.Deployment, 0, len(objs))
	for _, o := range objs {
		d, ok := o.(*appsv1.Deployment)
		switch {
		case !ok:
		case d.DeletionTimestamp != nil:
			terminating++
		default:
			ds = append(ds, d)
		}
	}
	return ds, terminating
}

// resolve picks ref's Deployment among the (one or more) live Deployments
// claiming its name. Two Deployments claiming one function name is a
// configuration error, except that a Deployment named like the function is
// the obvious owner (a canary or blue/green copy keeps faas_function). Both
// Function/Scale and Functions use it, so a listing never shows a function
// with another Deployment's replicas and labels than the one written to.
func resolve(ref provider.Ref, claimants []*appsv1.Deployment) (*appsv1.Deployment, error) {
	if len(claimants) == 1 {
		return claimants[0], nil
	}
	for _, d := range claimants {
		if d.Name == ref.Name {
			return d, nil
		}
	}
	names := make([]string, len(claimants))
	for i, d := range claimants {
		names[i] = d.Name
	}
	sort.Strings(names)
	return nil, ambiguousError{fmt.Sprintf("function %s is claimed by several Deployments (%v): give each a distinct %s label", ref, names, FunctionLabel)}
}

// ambiguousError is resolve's error: provider.ErrNotFound, with its own
// words. Functions leaves such a function out, so Function and Scale answer
// as for a function not there: a plain error read as the provider failing,
// and the scaler took it for one (the webhook's 503 for every alert while
// it was the last provider contact, a read error counted, the signal
// queued again).
type ambiguousError struct{ msg string }

func (e ambiguousError) Error() string { return e.msg }
func (ambiguousError) Unwrap() error   { return provider.ErrNotFound }

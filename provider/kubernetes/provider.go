package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
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
		if err := inf.SetTransform(slim); err != nil {
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

// Start runs the informers until ctx is done and waits until every cache has
// synced. It returns an error (with the last list/watch failure, such as
// RBAC refusing the list) when ctx ends first. ctx is the caches' lifetime,
// not a sync timeout: a ctx with a deadline stops the informers at that
// deadline, after which reads serve an ever older cache.
func (p *Provider) Start(ctx context.Context) error {
	waitingFor := fmt.Sprintf("deployments (selector %q) in namespaces %s", p.cfg.Selector, strings.Join(p.namespaces, ", "))
	attrs := []any{"waiting_for", waitingFor}
	if p.cfg.Server != "" {
		attrs = append(attrs, "server", p.cfg.Server)
	}
	// Start blocks until the API server answers; an operator watching the
	// log must see what it waits for, and why it still waits (issue 15,
	// item 7: 35 s of silence with an unreachable server).
	p.log.Info("waiting for the Kubernetes API server to list function deployments", attrs...)
	stop := p.reportProgress(ctx, waitingFor, attrs)
	defer stop()
	for _, c := range p.caches {
		go c.informer.RunWithContext(ctx)
		go c.hpas.RunWithContext(ctx)
	}
	for _, ns := range p.namespaces {
		if !cache.WaitForCacheSync(ctx.Done(), p.caches[ns].informer.HasSynced) {
			err := context.Cause(ctx)
			p.mu.Lock()
			last := p.lastErr[cacheKey{ns, resourceDeployments}]
			p.mu.Unlock()
			if last != nil {
				return fmt.Errorf("deployments in %s did not sync: %w (last list/watch error: %v)", ns, err, last)
			}
			return fmt.Errorf("deployments in %s did not sync: %w", ns, err)
		}
	}
	// A function listed before its namespace's HPAs are known could be
	// scaled against an HPA; HPAs that cannot be listed at all are warned
	// about (hpaWatchError) and not waited for.
	for _, ns := range p.namespaces {
		if !cache.WaitForCacheSync(ctx.Done(), func() bool { return p.hpaSettled(ns) }) {
			err := context.Cause(ctx)
			p.mu.Lock()
			last := p.lastErr[cacheKey{ns, resourceHPAs}]
			p.mu.Unlock()
			if last != nil {
				return fmt.Errorf("horizontalpodautoscalers in %s did not sync: %w (last list/watch error: %v)", ns, err, last)
			}
			return fmt.Errorf("horizontalpodautoscalers in %s did not sync: %w", ns, err)
		}
	}
	p.synced.Store(true)
	p.log.Info("kubernetes provider synced", "namespaces", p.namespaces, "selector", p.cfg.Selector)
	return nil
}

// reportProgress logs, every ProgressEvery until stop is called, what Start
// still waits for and the last list/watch error: INFO while the server is
// merely not answering, ERROR when it refuses us (401/403), which waiting
// will not cure.
func (p *Provider) reportProgress(ctx context.Context, waitingFor string, attrs []any) (stop func()) {
	every := p.cfg.ProgressEvery
	if every == 0 {
		every = 5 * time.Second
	}
	clk := p.cfg.Clock
	if clk == nil {
		clk = clock.Real()
	}
	start := clk.Now()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := clk.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C():
			}
			var pending []string
			var last error // the first pending namespace's that has one
			for _, ns := range p.namespaces {
				if !p.caches[ns].informer.HasSynced() || !p.hpaSettled(ns) {
					pending = append(pending, ns)
					p.mu.Lock()
					if last == nil {
						last = p.lastErr[cacheKey{ns, resourceDeployments}]
					}
					p.mu.Unlock()
				}
			}
			a := append(slices.Clone(attrs), "elapsed", clk.Now().Sub(start).Round(time.Second).String(), "pending_namespaces", pending)
			switch {
			case last == nil:
				p.log.Info("still waiting for the Kubernetes API server (no answer yet)", a...)
			case apierrors.IsUnauthorized(last) || apierrors.IsForbidden(last):
				p.log.Error("the Kubernetes API server refuses the controller's credentials; check the service account token, kubeconfig and RBAC",
					append(a, "err", last)...)
			default:
				p.log.Info("still waiting for the Kubernetes API server", append(a, "last_err", last)...)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// Synced reports whether Start has synced every cache, for a readiness probe.
func (p *Provider) Synced() bool { return p.synced.Load() }

// Namespaces returns the configured namespaces, sorted.
func (p *Provider) Namespaces(context.Context) ([]string, error) {
	return slices.Clone(p.namespaces), nil
}

// Functions lists the functions of one watched namespace from the cache,
// sorted by name: each function once, resolved to its Deployment by the same
// rule as Function and Scale (resolve), so the scaler and the idler decide on
// the Deployment their writes go to. Deployments being deleted are left out
// (live). A function several Deployments claim with none named like it is
// left out too, and warned about: Function and Scale refuse it, so listing it
// would only have the scaler and the idler decide on a Deployment they cannot
// address. So is a function whose Deployment a HorizontalPodAutoscaler scales
// (hpa.go): the two would fight over its replicas. A function whose replica
// count an applied manifest declares (applied.go), or another writer changed
// after the controller (writer.go), is listed, and warned about.
func (p *Provider) Functions(_ context.Context, namespace string) ([]provider.Function, error) {
	c, err := p.cache(namespace)
	if err != nil {
		return nil, err
	}
	ds, _ := live(c.informer.GetIndexer().List())
	// Sorted by function name, claimants of one function are adjacent.
	sort.Slice(ds, func(i, j int) bool {
		if a, b := functionName(ds[i]), functionName(ds[j]); a != b {
			return a < b
		}
		return ds[i].Name < ds[j].Name
	})
	out := make([]provider.Function, 0, len(ds))
	var ambiguous map[string]string
	var conflicts map[string]hpaConflict
	var stalled, declared, rewritten map[string]*appsv1.Deployment
	hpas := p.hpaIndexer(namespace)
	for i := 0; i < len(ds); {
		name := functionName(ds[i])
		j := i + 1
		for j < len(ds) && functionName(ds[j]) == name {
			j++
		}
		ref := provider.Ref{Name: name, Namespace: namespace}
		d, err := resolve(ref, ds[i:j])
		if err != nil {
			if ambiguous == nil {
				ambiguous = map[string]string{}
			}
			ambiguous[name] = err.Error()
		} else if hs := autoscalers(hpas, d); len(hs) > 0 {
			if conflicts == nil {
				conflicts = map[string]hpaConflict{}
			}
			conflicts[name] = conflictOf(d, hs)
		} else {
			out = append(out, toFunction(d))
			if pausedBeforeRollout(d) {
				if stalled == nil {
					stalled = map[string]*appsv1.Deployment{}
				}
				stalled[name] = d
			}
			if reapplied(d) {
				if declared == nil {
					declared = map[string]*appsv1.Deployment{}
				}
				declared[name] = d
			}
			if foreignUpdater(d, p.cfg.FieldManager) && p.wrote(ref) {
				if rewritten == nil {
					rewritten = map[string]*appsv1.Deployment{}
				}
				rewritten[name] = d
			}
		}
		i = j
	}
	p.noteAmbiguous(namespace, ambiguous)
	p.noteConflicts(namespace, conflicts, out)
	p.notePaused(namespace, stalled)
	p.noteApplied(namespace, declared)
	p.noteWriters(namespace, rewritten, out)
	return out, nil
}

// noteAmbiguous warns about the functions of namespace that Functions left
// out as ambiguous, each once until it is resolved (Functions runs at every
// scaler pass and idler run; a warning per pass would drown the log).
func (p *Provider) noteAmbiguous(namespace string, now map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	before := p.ambiguous[namespace]
	for name, why := range now {
		if before[name] != why {
			p.log.Warn("function left out of the listing: the scaler and the idler leave it alone until one Deployment claims it",
				"function", provider.Ref{Name: name, Namespace: namespace}.String(), "err", why)
		}
	}
	if len(before)+len(now) == 0 {
		return
	}
	if p.ambiguous == nil {
		p.ambiguous = map[string]map[string]string{}
	}
	p.ambiguous[namespace] = now
}

// Function reads one function from the cache; provider.ErrNotFound when no
// selected Deployment in a watched namespace has that function name, or
// when a HorizontalPodAutoscaler scales it (hpa.go): Function answers as
// Functions lists.
func (p *Provider) Function(_ context.Context, ref provider.Ref) (provider.Function, error) {
	d, err := p.deployment(ref)
	if err != nil {
		return provider.Function{}, err
	}
	if err := p.autoscaledNotFound(ref, d); err != nil {
		return provider.Function{}, err
	}
	return toFunction(d), nil
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
	return nil, fmt.Errorf("function %s is claimed by several Deployments (%v): give each a distinct %s label", ref, names, FunctionLabel)
}

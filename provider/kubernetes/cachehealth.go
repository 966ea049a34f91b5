package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/tools/cache"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
)

// The health of the informers' caches. Once synced, a cache whose
// list/watch fails (RBAC revoked, the API server unreachable, a token
// expired) keeps serving what it last saw: Synced stays true, writes stay
// safe (they read the live scale subresource), but the scaler and the idler
// decide on stale replica counts and labels. The WARN of watcherr.go says so
// once (though not for a refused connection: listWatched); this says so in
// a form a machine reads: a gauge per namespace and resource that an alert
// can hold for minutes (rules: FaasAutoscalerKubernetesCacheStale), the
// time of the last list/watch the server answered, and the explain API's
// note on every function of the namespace.

// The resource label values: the two informers of each namespace.
const (
	resourceDeployments = "deployments"
	resourceHPAs        = "horizontalpodautoscalers"
)

var cacheResources = []string{resourceDeployments, resourceHPAs}

// cacheKey names one informer.
type cacheKey struct{ namespace, resource string }

// cacheHealth is one informer's state: failingSince is the first failure
// since the server last answered (zero while it answers), lastOK the last
// list or watch it answered (zero before the first), err the latest failure.
type cacheHealth struct {
	failingSince, lastOK time.Time
	err                  error
}

// cacheMetrics are the provider's own gauges, prefixed
// faas_autoscaler_kubernetes_.
type cacheMetrics struct {
	failing *prometheus.GaugeVec
	lastOK  *prometheus.GaugeVec
}

// newCacheMetrics starts watch_failing at 0 for every namespace and
// resource, so an alert on it has a series from the first scrape, and
// last_watch_success_timestamp_seconds at none: before the first answer
// there is no time to give (missing is not zero, which would read 1970).
// reg nil registers nothing.
func newCacheMetrics(reg prometheus.Registerer, namespaces []string) (*cacheMetrics, error) {
	const ns, sub = "faas_autoscaler", "kubernetes"
	m := &cacheMetrics{
		failing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "watch_failing",
			Help: "1 while the last list/watch of the informer of this namespace and resource failed and none has succeeded since: " +
				"its cache no longer follows the cluster, and the scaler and idler decide on what it last saw."},
			[]string{"namespace", "resource"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "last_watch_success_timestamp_seconds",
			Help: "Unix time of the last list or watch of this namespace and resource that the API server answered " +
				"(a healthy informer re-opens its watch every 5 to 10 minutes); absent before the first."},
			[]string{"namespace", "resource"}),
	}
	for _, n := range namespaces {
		for _, r := range cacheResources {
			m.failing.WithLabelValues(n, r)
		}
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.failing, m.lastOK} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, errors.New("kubernetes provider metrics are already registered on this registerer: one provider per registry")
			}
			return nil, err
		}
	}
	return m, nil
}

// now is the injected clock's time (Config.Clock, nil: the wall clock).
func (p *Provider) now() time.Time {
	if p.cfg.Clock == nil {
		return clock.Real().Now()
	}
	return p.cfg.Clock.Now()
}

// listWatched is the callback of ns's resource informer's ListerWatcher
// (deploymentsOf, hpasOf), after each list or watch call with its error:
// the cache's health on an answer, the failure recorded otherwise. Here and not in the watch error
// handler, which the reflector does not call when a watch cannot be opened
// for a refused connection (an API server restarting or down) or a 429: it
// retries the watch with backoff for as long as that lasts, and the cache
// serves what it last saw all the while. Such a failure is handed to the
// handler from here (warn: watchError, hpaWatchError), so that it is
// warned about once an outage as the others are; it was a DEBUG line of
// client-go's only.
func (p *Provider) listWatched(ns, resource string, warn cache.WatchErrorHandlerWithContext) func(context.Context, error, bool) {
	return func(ctx context.Context, err error, watching bool) {
		switch {
		case err == nil:
			p.watchAnswered(ns, resource)
		case ctx.Err() != nil, restarts(err):
			// Stopping, or the reflector re-lists or re-watches at once.
		default:
			p.watchFailed(ns, resource, err)
			if watching && retriedUnseen(err) {
				warn(ctx, nil, err)
			}
		}
	}
}

// retriedUnseen reports whether the reflector retries a watch that failed
// to open with err without calling the watch error handler (client-go's
// isWatchErrorRetriable: a refused connection, a 429).
func retriedUnseen(err error) bool {
	return utilnet.IsConnectionRefused(err) || apierrors.IsTooManyRequests(err)
}

// restarts reports whether err only makes the reflector list or watch
// again from where it is, as the watch error handlers triage it: the
// server closed the connection, or the resourceVersion is too old.
func restarts(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || apierrors.IsResourceExpired(err) || apierrors.IsGone(err)
}

// watchFailed records a failed list/watch of ns's resource informer; the
// outage's start is kept across the informer's retries.
func (p *Provider) watchFailed(ns, resource string, err error) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.health == nil {
		p.health = map[cacheKey]*cacheHealth{}
	}
	h := p.health[cacheKey{ns, resource}]
	if h == nil {
		h = &cacheHealth{}
		p.health[cacheKey{ns, resource}] = h
	}
	if h.failingSince.IsZero() {
		h.failingSince = now
	}
	h.err = err
	p.metrics.failing.WithLabelValues(ns, resource).Set(1)
}

// watchAnswered records a list or watch of ns's resource informer that the
// server answered: the cache follows the cluster again, and its last
// failure is forgotten (warnFailure).
func (p *Provider) watchAnswered(ns, resource string) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.health == nil {
		p.health = map[cacheKey]*cacheHealth{}
	}
	p.health[cacheKey{ns, resource}] = &cacheHealth{lastOK: now}
	delete(p.lastErr, cacheKey{ns, resource})
	p.metrics.failing.WithLabelValues(ns, resource).Set(0)
	p.metrics.lastOK.WithLabelValues(ns, resource).Set(float64(now.UnixNano()) / 1e9)
}

// CacheFailure is one entry of the explain API's kubernetes.cache_failing:
// an informer of the function's namespace whose list/watch fails, so what
// the explanation shows of it may be out of date.
type CacheFailure struct {
	// Resource is "deployments" (the function's replicas and labels) or
	// "horizontalpodautoscalers" (whether an HPA also scales it).
	Resource string `json:"resource"`
	// Since is the first failure since the server last answered (the
	// controller's clock).
	Since time.Time `json:"since"`
	// LastSuccess is the last list or watch the server answered; absent
	// when none has been since the controller started.
	LastSuccess *time.Time `json:"last_success,omitempty"`
	Error       string     `json:"error"`
	Note        string     `json:"note"`
}

// cacheFailures lists ns's failing informers, deployments first; none while
// every list/watch is answered.
func (p *Provider) cacheFailures(ns string) []CacheFailure {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []CacheFailure
	for _, r := range cacheResources {
		h := p.health[cacheKey{ns, r}]
		if h == nil || h.failingSince.IsZero() {
			continue
		}
		f := CacheFailure{Resource: r, Since: h.failingSince.UTC(), Error: said(h.err), Note: failureNote(ns, r)}
		if !h.lastOK.IsZero() {
			at := h.lastOK.UTC()
			f.LastSuccess = &at
		}
		out = append(out, f)
	}
	return slices.Clip(out)
}

// failureNote says what a failing informer of resource means for the
// function's decisions.
func failureNote(ns, resource string) string {
	if resource == resourceDeployments {
		return fmt.Sprintf("the list/watch of deployments in %s fails: this function's replicas and labels are as the cache last saw them, "+
			"and the scaler and the idler decide on them (writes read the live count); check the controller's RBAC, token and the API server", ns)
	}
	return fmt.Sprintf("the list/watch of horizontalpodautoscalers in %s fails: an HPA created since is not detected, "+
		"and it and the controller would both write this function's replicas; check the controller's RBAC, token and the API server", ns)
}

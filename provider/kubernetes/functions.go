package kubernetes

import (
	"context"
	"slices"
	"sort"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

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

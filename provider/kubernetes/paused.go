package kubernetes

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// revisionAnnotation is where the deployment controller records the
// revision of the ReplicaSet a Deployment rolled out. A Deployment that has
// never had a ReplicaSet has none: the controller sets it when it creates
// or adopts one.
const revisionAnnotation = "deployment.kubernetes.io/revision"

// pausedBeforeRollout reports whether d is paused (spec.paused) and has
// never rolled out: no revision recorded and no pod. The deployment
// controller creates no ReplicaSet for a paused Deployment, only scales the
// ones it has, so such a Deployment (created paused, as some GitOps flows
// stage a change) starts no pod at any count: the count written is kept,
// and is the one its first ReplicaSet starts with once resumed, but a wake
// from zero waits out the gateway's timeout (about 100 s) and fails. A
// Deployment paused after it rolled out (`kubectl rollout pause`) still
// scales: its ReplicaSet follows the count.
func pausedBeforeRollout(d *appsv1.Deployment) bool {
	return d.Spec.Paused && d.Annotations[revisionAnnotation] == "" && d.Status.Replicas == 0
}

// stalledNote says why no pod starts and what resumes it.
func stalledNote(d *appsv1.Deployment) string {
	return fmt.Sprintf("deployment %s is paused (spec.paused) and has never rolled out: it has no ReplicaSet, so no pod starts at any count "+
		"and a wake from zero fails after the gateway's timeout; run `kubectl rollout resume deployment/%s -n %s`",
		d.Name, d.Name, d.Namespace)
}

// DeploymentExplanation is the provider's part of a function's explanation
// (the explain API's "kubernetes" section).
type DeploymentExplanation struct {
	// Deployment is the function's Deployment (faas_function may name
	// the function otherwise).
	Deployment string `json:"deployment"`
	// Paused is spec.paused: rollouts of a new pod template wait.
	Paused bool `json:"paused,omitempty"`
	// Stalled says why no replica can start (pausedBeforeRollout) and how
	// to resume it; empty when nothing stops them.
	Stalled string `json:"stalled,omitempty"`
	// Applied says who re-applies a replica count over the controller's
	// (applied.go) and what to change; empty when nobody does.
	Applied string `json:"applied,omitempty"`
	// Writer names the manager that changed the replica count after the
	// controller last wrote it (writer.go) and what to do; absent when
	// nobody did, or nothing is known (no write of the controller's since
	// it started).
	Writer *WriterExplanation `json:"writer,omitempty"`
	// CacheFailing lists the informers of the function's namespace whose
	// list/watch fails (cachehealth.go), since when, and what it means:
	// what this section and the scaler's and idler's sections show may be
	// out of date. Absent while the API server answers them.
	CacheFailing []CacheFailure `json:"cache_failing,omitempty"`
}

// Name is the explain API section the provider fills.
func (p *Provider) Name() string { return "kubernetes" }

// Explain describes ref's Deployment as the cache holds it; false when the
// provider has no such function (Function's answer).
func (p *Provider) Explain(ref provider.Ref) (any, bool) {
	d, err := p.deployment(ref)
	if err != nil || p.autoscaledNotFound(ref, d) != nil {
		return nil, false
	}
	e := DeploymentExplanation{Deployment: d.Name, Paused: d.Spec.Paused}
	if pausedBeforeRollout(d) {
		e.Stalled = stalledNote(d)
	}
	e.Applied = appliedNote(d)
	e.Writer = p.writerOf(ref, d)
	e.CacheFailing = p.cacheFailures(ref.Namespace)
	return e, true
}

// notePaused warns about the listed functions of namespace whose
// Deployment is paused before its first rollout (stalled: function → its
// Deployment), each once until it is resumed, deleted, or rolled out:
// Functions runs at every scaler pass and idler run.
func (p *Provider) notePaused(namespace string, stalled map[string]*appsv1.Deployment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	before := p.paused[namespace]
	if len(before)+len(stalled) == 0 {
		return
	}
	now := make(map[string]bool, len(stalled))
	for name, d := range stalled {
		now[name] = true
		if !before[name] {
			p.log.Warn("function's deployment is paused and has never rolled out: no replica can start until it is resumed",
				"function", provider.Ref{Name: name, Namespace: namespace}.String(), "deployment", d.Name, "detail", stalledNote(d))
		}
	}
	if p.paused == nil {
		p.paused = map[string]map[string]bool{}
	}
	p.paused[namespace] = now
}

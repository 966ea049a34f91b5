package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A Deployment whose manifest declares spec.replicas gets that count back at
// every apply of the manifest: a GitOps sync (Argo CD's self-heal within
// seconds, Flux at each interval) or a hand-run `kubectl apply`. The
// controller's writes go through the scale subresource like the HPA's, and
// Kubernetes gives the HPA's users the same advice: leave spec.replicas out
// of the manifest. Unlike an HPA, an applier cannot be seen to be active, so
// such a function stays listed and scaled; the listing warns once and the
// explain section says who declares the count and what to change, so a
// function flapping between the controller's count and the manifest's is
// explained instead of looking like a scaler fault.
//
// Two marks are read, both kept by the cache's transform (slim) in a
// trimmed form:
//   - client-side apply (kubectl apply, Argo CD's default sync) records the
//     manifest in the last-applied-configuration annotation; slim keeps only
//     its spec.replicas;
//   - server-side apply (Flux's kustomize-controller, Argo CD with
//     ServerSideApply, kubectl apply --server-side) records the applier as
//     an Apply manager of f:spec.f:replicas in managedFields; slim keeps only
//     those entries, without their field sets.

// appliedReplicas trims a Deployment's last-applied-configuration annotation
// value to the replica count it declares: `{"spec":{"replicas":N}}`, or ""
// when it declares none (or does not parse: nothing is claimed then).
func appliedReplicas(lastApplied string) string {
	if !strings.Contains(lastApplied, `"replicas"`) {
		return "" // most manifests: no parse at every watch event
	}
	var m struct {
		Spec struct {
			Replicas *int32 `json:"replicas"`
		} `json:"spec"`
	}
	if json.Unmarshal([]byte(lastApplied), &m) != nil || m.Spec.Replicas == nil {
		return ""
	}
	return fmt.Sprintf(`{"spec":{"replicas":%d}}`, *m.Spec.Replicas)
}

// ownsReplicas reports whether a managedFields entry's field set holds
// spec.replicas. Most entries do not name the field at all; those are not
// parsed (slim runs at every watch event).
func ownsReplicas(e metav1.ManagedFieldsEntry) bool {
	if e.FieldsV1 == nil || !bytes.Contains(e.FieldsV1.GetRawBytes(), []byte(`"f:replicas"`)) {
		return false
	}
	// Fields, not maps: the decoder skips the rest of the set (a creator's
	// holds the whole pod template) without building it.
	var fields struct {
		Spec struct {
			Replicas json.RawMessage `json:"f:replicas"`
		} `json:"f:spec"`
	}
	if json.Unmarshal(e.FieldsV1.GetRawBytes(), &fields) != nil {
		return false
	}
	return fields.Spec.Replicas != nil
}

// replicaAppliers are the Apply entries among a cached (slimmed)
// Deployment's managed fields (slim keeps the Update owner of the count too:
// writer.go).
func replicaAppliers(d *appsv1.Deployment) []metav1.ManagedFieldsEntry {
	var out []metav1.ManagedFieldsEntry
	for _, e := range d.ManagedFields {
		if e.Operation == metav1.ManagedFieldsOperationApply {
			out = append(out, e)
		}
	}
	return out
}

// reapplied is the cheap test of declaredBy, for the listing of every
// function at every pass: whether anyone re-applies d's replica count.
func reapplied(d *appsv1.Deployment) bool {
	if d.Annotations[lastAppliedAnnotation] != "" {
		return true
	}
	for _, e := range d.ManagedFields {
		if e.Operation == metav1.ManagedFieldsOperationApply {
			return true
		}
	}
	return false
}

// appliedKey identifies what appliedNote would say, without saying it: the
// trimmed manifest and the appliers.
func appliedKey(d *appsv1.Deployment) string {
	k := d.Annotations[lastAppliedAnnotation]
	for _, e := range replicaAppliers(d) {
		k += "|" + e.Manager
	}
	return k
}

// declaredBy says, for a cached (slimmed) Deployment, who re-applies its
// replica count: one phrase per applier, sorted; nil when nobody does.
func declaredBy(d *appsv1.Deployment) []string {
	var out []string
	if v := d.Annotations[lastAppliedAnnotation]; v != "" {
		var m struct {
			Spec struct {
				Replicas int32 `json:"replicas"`
			} `json:"spec"`
		}
		if json.Unmarshal([]byte(v), &m) == nil {
			out = append(out, fmt.Sprintf("client-side apply (kubectl apply, Argo CD) of a manifest with replicas: %d", m.Spec.Replicas))
		}
	}
	for _, e := range replicaAppliers(d) {
		out = append(out, fmt.Sprintf("server-side apply by %q (Flux, Argo CD with ServerSideApply, kubectl apply --server-side)", e.Manager))
	}
	slices.Sort(out)
	return out
}

// appliedNote says what the appliers do to the controller's count and how to
// stop it; "" when nobody declares the count.
func appliedNote(d *appsv1.Deployment) string {
	by := declaredBy(d)
	if len(by) == 0 {
		return ""
	}
	return fmt.Sprintf("deployment %s declares spec.replicas in its applied manifest (%s): every apply or GitOps sync of that manifest "+
		"resets the replicas faas-autoscaler set, and the two fight; remove spec.replicas from the manifest "+
		"(or have the GitOps tool ignore /spec/replicas: Argo CD ignoreDifferences)",
		d.Name, strings.Join(by, "; "))
}

// noteApplied warns about the listed functions of namespace whose replica
// count a manifest declares (function → its Deployment), each once while it
// lasts (p.applied keeps appliedKey): Functions runs at every scaler pass
// and idler run.
func (p *Provider) noteApplied(namespace string, declared map[string]*appsv1.Deployment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	before := p.applied[namespace]
	if len(before)+len(declared) == 0 {
		return
	}
	now := make(map[string]string, len(declared))
	for name, d := range declared {
		key := appliedKey(d)
		now[name] = key
		if before[name] != key {
			p.log.Warn("function's replica count is also declared by an applied manifest: each apply or GitOps sync undoes the controller's scaling",
				"function", provider.Ref{Name: name, Namespace: namespace}.String(), "deployment", d.Name, "detail", appliedNote(d))
		}
	}
	if p.applied == nil {
		p.applied = map[string]map[string]string{}
	}
	p.applied[namespace] = now
}

package kubernetes

import (
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/resourceversion"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Another writer of a function's replicas that is not an HPA (hpa.go) nor
// an applied manifest (applied.go): OpenFaaS CE's own alert scaling left on
// (APIHighInvocationRate → AlertManager receiver scale-up → the gateway's
// /system/alert → faas-netes: one step up per firing notification, back to
// the minimum when the alert resolves), OpenFaaS Pro's autoscaler, a script,
// or a hand-run `kubectl scale`. Each write undoes the controller's count
// and the controller undoes theirs, with cold starts in between and
// nothing in the log. Like an applier, such a writer cannot be seen to be
// active (it may have been a one-off `kubectl scale`), so the function stays
// listed; the listing warns once per (function, writer) and the explain
// section names the writer and what to do.
//
// The API server records who changed a field last: a change of
// spec.replicas by an Update (PUT or a non-apply PATCH of the Deployment, or
// of its scale subresource, entry subresource "scale") moves the field's
// ownership in managedFields to the writer's manager, which is the first
// segment of its client's user agent unless the request names one (ours
// names Config.FieldManager: writeOptions). An Update
// that leaves the count as it was moves nothing, so faas-netes redeploying
// a function is no writer. The Deployment's creator (faas-netes) owns the
// count until the controller's first write: that is no fight, so a foreign
// owner counts only when the cache shows the Deployment as it is after a
// write of the controller's. "After" is by resource version (comparable
// since Kubernetes 1.35, KEP-5504), not by the entry's time: entries of
// scale-subresource writes carry no time (seen on v1.37), and times are
// the API server's clock in whole seconds. The controller's writes are known
// only to the process that made them: after a restart, or to a new leader,
// nothing is reported until its own next write of the function.

// writeOptions are the options of every write of the provider's: its
// FieldManager named, so that the API server records the write under the
// manager the writer check compares with (laterWriter's self), whatever
// the client's user agent. Without it the name was the user agent's first
// segment: right for the binary (RESTConfig sets it), but a client built
// otherwise (a program embedding the provider) wrote under its own name,
// and the controller's writes were then explained as another writer's.
func (p *Provider) writeOptions() metav1.UpdateOptions {
	return metav1.UpdateOptions{FieldManager: p.cfg.FieldManager}
}

// ownWrite is the controller's last write of a function's replicas: the
// Deployment written (its UID) and the resourceVersion it had after the
// write, and when (the controller's clock).
type ownWrite struct {
	uid types.UID
	rv  string
	at  time.Time
}

// replicaOwners returns the managedFields entries slim keeps, without their
// field sets: the server-side appliers (operation Apply) of spec.replicas
// (applied.go), and the manager whose Update last changed it, of the
// Deployment or of its scale subresource (writer.go). Status entries (of
// the status subresource, whose f:status.f:replicas is another field) are
// never read.
func replicaOwners(entries []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	var out []metav1.ManagedFieldsEntry
	for _, e := range entries {
		switch {
		case e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "":
		case e.Operation == metav1.ManagedFieldsOperationUpdate && (e.Subresource == "" || e.Subresource == "scale"):
		default:
			continue
		}
		if !ownsReplicas(e) {
			continue
		}
		out = append(out, metav1.ManagedFieldsEntry{Manager: e.Manager, Operation: e.Operation, APIVersion: e.APIVersion,
			Time: e.Time, Subresource: e.Subresource})
	}
	return out
}

// replicaUpdater is the entry of a cached (slimmed) Deployment's Update
// owner of spec.replicas; nil when an applier holds it alone.
func replicaUpdater(d *appsv1.Deployment) *metav1.ManagedFieldsEntry {
	for i := range d.ManagedFields {
		if d.ManagedFields[i].Operation == metav1.ManagedFieldsOperationUpdate {
			return &d.ManagedFields[i]
		}
	}
	return nil
}

// foreignUpdater is the cheap test Functions makes of every listed
// Deployment: whether a manager other than self last changed its count.
func foreignUpdater(d *appsv1.Deployment, self string) bool {
	u := replicaUpdater(d)
	return u != nil && u.Manager != self
}

// laterWriter returns the Update owner of d's spec.replicas when it is not
// self and the cache shows d after the controller's last write w of it
// (same UID, a later resourceVersion): someone changed the count after the
// controller did. nil otherwise, and when the versions do not compare.
func laterWriter(d *appsv1.Deployment, self string, w ownWrite, written bool) *metav1.ManagedFieldsEntry {
	if !written || w.uid != d.UID || !foreignUpdater(d, self) {
		return nil
	}
	if c, err := resourceversion.CompareResourceVersion(d.ResourceVersion, w.rv); err != nil || c <= 0 {
		return nil // the cache has not seen the controller's write yet (or cannot tell)
	}
	return replicaUpdater(d)
}

// looksLikeOpenFaaS reports whether a manager name is OpenFaaS's provider
// (faas-netes, also run as the OpenFaaS operator): what the gateway's
// /system/alert and its scale API write through.
func looksLikeOpenFaaS(manager string) bool {
	m := strings.ToLower(manager)
	return strings.Contains(m, "faas-netes") || strings.Contains(m, "openfaas")
}

// writerNote says who changed the count after the controller and what to
// do about it.
func writerNote(d *appsv1.Deployment, e *metav1.ManagedFieldsEntry, ours time.Time) string {
	who := fmt.Sprintf("%q", e.Manager)
	if e.Subresource == "scale" {
		who += " (through the scale subresource, as kubectl scale does)"
	}
	base := fmt.Sprintf("%s changed spec.replicas of deployment %s after faas-autoscaler last scaled it (%s)",
		who, d.Name, ours.UTC().Format(time.RFC3339))
	if looksLikeOpenFaaS(e.Manager) {
		return base + ": OpenFaaS CE's alert scaling (Prometheus alert APIHighInvocationRate → AlertManager receiver scale-up → " +
			"the gateway's /system/alert) is still on: it steps the function up while the alert fires and back to its minimum when it resolves, " +
			"undoing faas-autoscaler's count; point that receiver's webhook at faas-autoscaler's /system/alert (with its basic auth), " +
			"or empty the receiver (it is CE's root route's: deleting the child route that names it changes nothing) " +
			"(a scale through the gateway's API, or OpenFaaS Pro's autoscaler, also writes through faas-netes)"
	}
	return base + ": two writers of one count undo each other's; a one-off kubectl scale needs nothing " +
		"(faas-autoscaler's next decision replaces it), any other controller or script must stop scaling this Deployment"
}

// WriterExplanation is the explain API's kubernetes.writer: the manager
// that changed the function's replica count after the controller did.
type WriterExplanation struct {
	Manager string `json:"manager"`
	// Subresource is "scale" for a write through deployments/scale.
	Subresource string `json:"subresource,omitempty"`
	// At is the managedFields entry's time (the API server's clock, in
	// seconds): the writer's last change of any field it owns. Writes
	// through the scale subresource record none.
	At *time.Time `json:"at,omitempty"`
	// After is the controller's last write of the count, which the
	// writer's came after (the controller's clock).
	After time.Time `json:"after"`
	Note  string    `json:"note"`
}

func explainWriter(d *appsv1.Deployment, e *metav1.ManagedFieldsEntry, w ownWrite) *WriterExplanation {
	x := &WriterExplanation{Manager: e.Manager, Subresource: e.Subresource, After: w.at.UTC(), Note: writerNote(d, e, w.at)}
	if e.Time != nil {
		at := e.Time.UTC()
		x.At = &at
	}
	return x
}

// recordWrite notes the controller's successful write of ref's count to d,
// as the API server answered it (s: the resourceVersion after the write).
func (p *Provider) recordWrite(ref provider.Ref, d *appsv1.Deployment, s *autoscalingv1.Scale) {
	if s == nil || s.ResourceVersion == "" {
		return
	}
	clk := p.cfg.Clock
	if clk == nil {
		clk = clock.Real()
	}
	p.writesMu.Lock()
	defer p.writesMu.Unlock()
	if p.writes == nil {
		p.writes = map[provider.Ref]ownWrite{}
	}
	p.writes[ref] = ownWrite{uid: d.UID, rv: s.ResourceVersion, at: clk.Now()}
}

// wrote reports whether the controller has written ref's count since it
// started: Functions's filter before it collects candidates for noteWriters.
func (p *Provider) wrote(ref provider.Ref) bool {
	p.writesMu.RLock()
	defer p.writesMu.RUnlock()
	_, ok := p.writes[ref]
	return ok
}

// writerOf is the explanation of ref's other writer, nil when there is none.
func (p *Provider) writerOf(ref provider.Ref, d *appsv1.Deployment) *WriterExplanation {
	p.writesMu.RLock()
	w, ok := p.writes[ref]
	p.writesMu.RUnlock()
	if e := laterWriter(d, p.cfg.FieldManager, w, ok); e != nil {
		return explainWriter(d, e, w)
	}
	return nil
}

// noteWriters warns about the listed functions of namespace whose count
// another manager changed after the controller (candidates: function → its
// Deployment, with a foreign Update owner of the count and a write of the
// controller's), once per (function,
// writer) while the function is listed: a writer that keeps fighting
// would otherwise warn at every round. It forgets the writes and warnings
// of functions no longer listed (listed is sorted by name).
func (p *Provider) noteWriters(namespace string, candidates map[string]*appsv1.Deployment, listed []provider.Function) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writesMu.Lock() // always after p.mu
	defer p.writesMu.Unlock()
	warned := p.writers[namespace]
	for name, d := range candidates {
		ref := provider.Ref{Name: name, Namespace: namespace}
		w, ok := p.writes[ref]
		e := laterWriter(d, p.cfg.FieldManager, w, ok)
		if e == nil {
			continue
		}
		key := e.Manager + "/" + e.Subresource
		if warned[name][key] {
			continue
		}
		x := explainWriter(d, e, w)
		attrs := []any{"function", ref.String(), "deployment", d.Name, "writer", e.Manager}
		if e.Subresource != "" {
			attrs = append(attrs, "subresource", e.Subresource)
		}
		if x.At != nil {
			attrs = append(attrs, "at", x.At.Format(time.RFC3339))
		}
		p.log.Warn("function's replica count was changed by another writer after faas-autoscaler scaled it: two writers of one count undo each other's",
			append(attrs, "detail", x.Note)...)
		if warned == nil {
			warned = map[string]map[string]bool{}
			if p.writers == nil {
				p.writers = map[string]map[string]map[string]bool{}
			}
			p.writers[namespace] = warned
		}
		if warned[name] == nil {
			warned[name] = map[string]bool{}
		}
		warned[name][key] = true
	}
	isListed := func(name string) bool {
		_, found := slices.BinarySearchFunc(listed, name, func(f provider.Function, n string) int { return strings.Compare(f.Name, n) })
		return found
	}
	for name := range warned {
		if !isListed(name) {
			delete(warned, name)
		}
	}
	for ref := range p.writes {
		if ref.Namespace == namespace && !isListed(ref.Name) {
			delete(p.writes, ref)
		}
	}
}

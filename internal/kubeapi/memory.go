package kubeapi

import (
	"context"
	"strconv"
	"sync"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MemoryLeases is Leases in memory, with the API server's optimistic
// concurrency: every write sets a new resourceVersion, creating an existing
// Lease is AlreadyExists, an update carrying a resourceVersion that is no
// longer current is a Conflict, one carrying none is Invalid (the API
// server allows no unconditional update of a Lease; an elector that lost
// the version would otherwise pass its tests here and fail on a cluster),
// and an update of a Lease that does not exist creates it (Leases allow
// create on update).
// client-go's fake clientset has none of this, so races between electors
// are tested here; provider/kubernetes compares its answers with a real API
// server's.
type MemoryLeases struct {
	mu     sync.Mutex
	rv     int
	leases map[string]*coordinationv1.Lease // namespace/name
}

var _ Leases = (*MemoryLeases)(nil)

var (
	leasesResource = coordinationv1.Resource("leases")
	leaseKind      = coordinationv1.SchemeGroupVersion.WithKind("Lease").GroupKind()
)

func leaseKey(namespace, name string) string { return namespace + "/" + name }

// GetLease returns a copy of the stored Lease, or NotFound.
func (m *MemoryLeases) GetLease(_ context.Context, namespace, name string) (*coordinationv1.Lease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[leaseKey(namespace, name)]
	if !ok {
		return nil, apierrors.NewNotFound(leasesResource, name)
	}
	return l.DeepCopy(), nil
}

// CreateLease stores a copy of l with a new resourceVersion.
func (m *MemoryLeases) CreateLease(_ context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := leaseKey(l.Namespace, l.Name)
	if _, ok := m.leases[k]; ok {
		return nil, apierrors.NewAlreadyExists(leasesResource, l.Name)
	}
	if m.leases == nil {
		m.leases = make(map[string]*coordinationv1.Lease)
	}
	return m.store(k, l), nil
}

// UpdateLease replaces the stored Lease if l's resourceVersion is current,
// or stores l if there is none.
func (m *MemoryLeases) UpdateLease(_ context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := leaseKey(l.Namespace, l.Name)
	cur, ok := m.leases[k]
	if !ok {
		// Leases allow create on update: the API server stores a Lease
		// updated that does not exist (one deleted meanwhile), whatever
		// resourceVersion the update carries.
		return m.store(k, l), nil
	}
	if l.ResourceVersion == "" {
		return nil, apierrors.NewInvalid(leaseKind, l.Name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "resourceVersion"), "", "must be specified for an update")})
	}
	if l.ResourceVersion != cur.ResourceVersion {
		return nil, apierrors.NewConflict(leasesResource, l.Name,
			errStale{sent: l.ResourceVersion, current: cur.ResourceVersion})
	}
	return m.store(k, l), nil
}

// DeleteLease removes the stored Lease, or answers NotFound, as `kubectl
// delete lease` does; it is not part of Leases (the controller never deletes
// its Lease), tests use it. A Lease created again gets a new resourceVersion,
// so writes over the deleted one conflict; a write before anything created
// it again creates it.
func (m *MemoryLeases) DeleteLease(_ context.Context, namespace, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := leaseKey(namespace, name)
	if _, ok := m.leases[k]; !ok {
		return apierrors.NewNotFound(leasesResource, name)
	}
	delete(m.leases, k)
	return nil
}

func (m *MemoryLeases) store(k string, l *coordinationv1.Lease) *coordinationv1.Lease {
	m.rv++
	c := l.DeepCopy()
	c.ResourceVersion = strconv.Itoa(m.rv)
	m.leases[k] = c
	return c.DeepCopy()
}

type errStale struct{ sent, current string }

func (e errStale) Error() string {
	return "the object has been modified: resourceVersion " + e.sent + " is not the current " + e.current
}

package kubeapi

import (
	"context"
	"strconv"
	"sync"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MemoryLeases is Leases in memory, with the API server's optimistic
// concurrency: every write sets a new resourceVersion, every create (on
// update too) a new UID, creating an existing Lease is AlreadyExists, an
// update carrying a UID that is not the stored Lease's (another Lease of
// the name, or none: it was deleted) is a Conflict (the API server checks
// the UID an update carries as a precondition), one carrying a
// resourceVersion that is no longer current is a Conflict, one carrying
// none is Invalid (the API server allows no unconditional update of a
// Lease; an elector that lost the version would otherwise pass its tests
// here and fail on a cluster), and an update carrying no UID of a Lease
// that does not exist creates it (Leases allow create on update).
// client-go's fake clientset has none of this, so races between electors
// are tested here; provider/kubernetes compares its answers with a real API
// server's.
type MemoryLeases struct {
	mu     sync.Mutex
	rv     int
	uids   int                              // Leases created, for their UIDs
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

// CreateLease stores a copy of l with a new UID and resourceVersion.
func (m *MemoryLeases) CreateLease(_ context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := leaseKey(l.Namespace, l.Name)
	if _, ok := m.leases[k]; ok {
		return nil, apierrors.NewAlreadyExists(leasesResource, l.Name)
	}
	return m.create(k, l), nil
}

// UpdateLease replaces the stored Lease if l's UID (when it carries one)
// is the stored Lease's and its resourceVersion is current, or stores l as
// a new Lease if there is none and l carries no UID.
func (m *MemoryLeases) UpdateLease(_ context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := leaseKey(l.Namespace, l.Name)
	cur, ok := m.leases[k]
	// The UID is a precondition, checked before anything else: the API
	// server answers an update over a deleted Lease (or over one deleted
	// and created again) with Conflict, not a create. Every update the
	// elector makes carries the UID of the server's earlier answer.
	if l.UID != "" {
		var stored types.UID
		if ok {
			stored = cur.UID
		}
		if l.UID != stored {
			return nil, apierrors.NewConflict(leasesResource, l.Name, errUID{sent: l.UID, stored: stored})
		}
	}
	if !ok {
		// Leases allow create on update: the API server stores a Lease
		// updated that does not exist, whatever resourceVersion the
		// update carries (but not over a UID: above).
		return m.create(k, l), nil
	}
	if l.ResourceVersion == "" {
		return nil, apierrors.NewInvalid(leaseKind, l.Name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "resourceVersion"), "", "must be specified for an update")})
	}
	if l.ResourceVersion != cur.ResourceVersion {
		return nil, apierrors.NewConflict(leasesResource, l.Name,
			errStale{sent: l.ResourceVersion, current: cur.ResourceVersion})
	}
	c := l.DeepCopy()
	c.UID = cur.UID // an update carrying none keeps the stored one
	return m.store(k, c), nil
}

// DeleteLease removes the stored Lease, or answers NotFound, as `kubectl
// delete lease` does; it is not part of Leases (the controller never deletes
// its Lease), tests use it. Writes over the deleted Lease conflict (they
// carry its UID), whether or not a Lease of the name was created again.
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

// create stores a copy of l as a new Lease: a new UID, as the API server
// gives every object it creates.
func (m *MemoryLeases) create(k string, l *coordinationv1.Lease) *coordinationv1.Lease {
	if m.leases == nil {
		m.leases = make(map[string]*coordinationv1.Lease)
	}
	m.uids++
	c := l.DeepCopy()
	c.UID = types.UID("memory-lease-" + strconv.Itoa(m.uids))
	return m.store(k, c)
}

// store keeps c (a copy the caller made) at a new resourceVersion and
// returns a copy of it.
func (m *MemoryLeases) store(k string, c *coordinationv1.Lease) *coordinationv1.Lease {
	m.rv++
	c.ResourceVersion = strconv.Itoa(m.rv)
	m.leases[k] = c
	return c.DeepCopy()
}

// errUID is the API server's message for a UID precondition that fails.
type errUID struct{ sent, stored types.UID }

func (e errUID) Error() string {
	return "Precondition failed: UID in precondition: " + string(e.sent) + ", UID in object meta: " + string(e.stored)
}

type errStale struct{ sent, current string }

func (e errStale) Error() string {
	return "the object has been modified: resourceVersion " + e.sent + " is not the current " + e.current
}

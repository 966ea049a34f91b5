package memory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Options shape how the provider behaves.
type Options struct {
	// ColdStart is how long a replica requested at t takes to become
	// available: it counts from t+ColdStart on. Zero makes replicas available
	// at once.
	ColdStart time.Duration
	// RefuseZero makes Scale(…, 0) fail with a *provider.RefusedError, as
	// OpenFaaS CE (faas-netes and faasd) does.
	RefuseZero bool
	// MaxReplicas, when not 0, caps the desired count: a larger request
	// succeeds and sets MaxReplicas, as faas-netes CE caps at 5 without an
	// error. ScaleCall.To records what was applied.
	MaxReplicas uint64
	// ShareMaps makes listings and reads hand out the provider's own label
	// and annotation maps instead of copies. The provider never modifies a
	// map it stored (Deploy and SetLabels store copies), and callers must not
	// either. For large simulated fleets: copying every function's labels on
	// every listing was a third of a reconcile pass over 100,000 functions.
	ShareMaps bool
}

// ZeroRefusedMessage is what a RefuseZero provider says, in OpenFaaS CE's words.
const ZeroRefusedMessage = "replicas cannot be set to 0 in OpenFaaS CE"

// Provider is an in-memory provider.Provider. Availability is computed from
// the clock when read, so it needs no goroutine and follows virtual time in a
// testing/synctest bubble or a simulator. It is safe for concurrent use.
type Provider struct {
	clk  clock.Clock
	opts Options

	mu     sync.Mutex
	fns    map[provider.Ref]*function
	byNS   map[string][]*function // each namespace's functions sorted by name; nil = rebuild
	calls  []ScaleCall
	faults map[faultKey]*fault
	// removed is the CreatedAt of each function removed and not deployed
	// again: a replacement deployed without one is stamped after it. Only
	// a time the clock has not passed is needed (a Deploy after it is
	// stamped later anyway), so older ones are dropped (pruneRemoved) and
	// the map does not grow with every name a long simulation removes.
	removed map[provider.Ref]time.Time
	// removedPruneAt is the size at which Remove next prunes removed.
	removedPruneAt int

	hooks hooks // Block, SetDelay, SetColdStart, Peak (hooks.go)
}

var _ provider.Provider = (*Provider)(nil)

// function is one deployed function: its metadata and one ready time per
// desired replica, ascending. Replicas ready at or before now are available.
type function struct {
	meta    provider.Function // Ref, Labels, Annotations, CreatedAt
	readyAt []time.Time
}

// New returns an empty provider reading time from clk.
func New(clk clock.Clock, opts Options) *Provider {
	return &Provider{clk: clk, opts: opts, fns: map[provider.Ref]*function{}, faults: map[faultKey]*fault{}}
}

// Deploy adds or replaces a function. Its fn.Replicas replicas are available
// at once (fn.AvailableReplicas is ignored); use DeployCold for replicas that
// must start first. Labels and annotations are copied. A zero CreatedAt
// becomes now.
func (p *Provider) Deploy(fn provider.Function) error {
	return p.deploy(fn, 0)
}

// DeployCold is Deploy with every replica starting now, available after
// Options.ColdStart, like a fresh deployment on a real cluster.
func (p *Provider) DeployCold(fn provider.Function) error {
	return p.deploy(fn, p.coldStartFor(fn.Ref))
}

// MaxHeld is the most replicas one function may hold: below the real
// providers' int32 bound, as each replica here is a ready time (24 MiB at
// this count).
const MaxHeld = 1 << 20

func (p *Provider) deploy(fn provider.Function, delay time.Duration) error {
	if fn.Replicas > MaxHeld {
		return fmt.Errorf("deploy %s: %d replicas: the memory provider holds at most %d a function", fn.Name, fn.Replicas, MaxHeld)
	}
	if fn.Name == "" {
		return errors.New("deploy: function name is empty")
	}
	if fn.Namespace == "" {
		return fmt.Errorf("deploy %s: namespace is empty", fn.Name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clk.Now()
	meta := provider.Function{
		Ref:         fn.Ref,
		Labels:      maps.Clone(fn.Labels),
		Annotations: maps.Clone(fn.Annotations),
		CreatedAt:   fn.CreatedAt,
	}
	if meta.CreatedAt.IsZero() {
		meta.CreatedAt = now
		// After its predecessor's, whatever the clock says: under virtual
		// time a Remove and Deploy (or a Deploy over a function) at one
		// instant stamped the replacement with the predecessor's time, and
		// a decision made on the old one (ScaleFromCreated) landed on the
		// new (a review's finding; the Kubernetes provider orders a
		// same-second replacement the same way).
		before, had := p.removed[fn.Ref]
		if old, ok := p.fns[fn.Ref]; ok {
			before, had = old.meta.CreatedAt, true
		}
		if had && !meta.CreatedAt.After(before) {
			meta.CreatedAt = before.Add(time.Nanosecond)
		}
	}
	delete(p.removed, fn.Ref)
	f := &function{meta: meta}
	f.resize(fn.Replicas, now.Add(delay))
	p.fns[fn.Ref] = f
	p.byNS = nil
	return nil
}

// Remove deletes a function; provider.ErrNotFound when there is none.
func (p *Provider) Remove(ref provider.Ref) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.fns[ref]
	if !ok {
		return notFound(ref)
	}
	if p.removed == nil {
		p.removed = map[provider.Ref]time.Time{}
	}
	p.removed[ref] = f.meta.CreatedAt
	if len(p.removed) >= p.removedPruneAt {
		p.pruneRemoved(p.clk.Now())
	}
	delete(p.fns, ref)
	p.byNS = nil
	return nil
}

// removedPruneFloor is the fewest entries of removed that are pruned.
const removedPruneFloor = 64

// pruneRemoved drops the entries of removed the clock has passed: deploy
// reads an entry only to stamp a replacement after it, and one deployed
// after now is. The next prune waits until the map has doubled, so the
// entries still needed (many functions removed at one virtual instant)
// are not scanned at every Remove: at most twice those needed, or
// 2×removedPruneFloor, are kept. p.mu is held.
func (p *Provider) pruneRemoved(now time.Time) {
	for ref, at := range p.removed {
		if at.Before(now) {
			delete(p.removed, ref)
		}
	}
	p.removedPruneAt = max(removedPruneFloor, 2*len(p.removed))
}

// SetLabels replaces a function's labels (copied), as a redeploy with new
// labels would; replicas are untouched.
func (p *Provider) SetLabels(ref provider.Ref, labels map[string]string) error {
	return p.edit(ref, func(f *function) { f.meta.Labels = maps.Clone(labels) })
}

// SetAnnotations replaces a function's annotations (copied).
func (p *Provider) SetAnnotations(ref provider.Ref, annotations map[string]string) error {
	return p.edit(ref, func(f *function) { f.meta.Annotations = maps.Clone(annotations) })
}

func (p *Provider) edit(ref provider.Ref, change func(*function)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.fns[ref]
	if !ok {
		return notFound(ref)
	}
	change(f)
	return nil
}

// Namespaces lists the namespaces holding at least one function, sorted.
func (p *Provider) Namespaces(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.takeFault(faultKey{op: opList}); err != nil {
		return nil, err
	}
	seen := map[string]struct{}{}
	for ref := range p.fns {
		seen[ref.Namespace] = struct{}{}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// Functions lists the functions of a namespace sorted by name; an unknown
// namespace has none.
func (p *Provider) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.takeFault(faultKey{op: opList}); err != nil {
		return nil, err
	}
	now := p.clk.Now()
	fns := p.sortedLocked()[namespace]
	out := make([]provider.Function, len(fns))
	for i, f := range fns {
		out[i] = f.snapshot(now, p.opts.ShareMaps)
	}
	return out, nil
}

// sortedLocked indexes the functions by namespace, sorted by name, once per
// deploy or removal rather than once per listing: a listing of 100,000
// functions spent more time sorting them than copying them. p.mu is held.
func (p *Provider) sortedLocked() map[string][]*function {
	if p.byNS != nil {
		return p.byNS
	}
	p.byNS = map[string][]*function{}
	for ref, f := range p.fns {
		p.byNS[ref.Namespace] = append(p.byNS[ref.Namespace], f)
	}
	for _, fns := range p.byNS {
		slices.SortFunc(fns, func(a, b *function) int { return strings.Compare(a.meta.Name, b.meta.Name) })
	}
	return p.byNS
}

// Function reads one function; provider.ErrNotFound when there is none.
func (p *Provider) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	if err := ctx.Err(); err != nil {
		return provider.Function{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.takeFault(faultKey{op: opFunction, ref: ref}); err != nil {
		return provider.Function{}, err
	}
	f, ok := p.fns[ref]
	if !ok {
		return provider.Function{}, notFound(ref)
	}
	return f.snapshot(p.clk.Now(), p.opts.ShareMaps), nil
}

// snapshot is the function as a caller sees it at now, with maps copied so
// the caller cannot change the provider's state (unless shared).
func (f *function) snapshot(now time.Time, share bool) provider.Function {
	out := f.meta
	if !share {
		out.Labels = maps.Clone(f.meta.Labels)
		out.Annotations = maps.Clone(f.meta.Annotations)
	}
	out.Replicas = uint64(len(f.readyAt))
	out.AvailableReplicas = f.available(now)
	return out
}

// available is the count of replicas ready at now.
func (f *function) available(now time.Time) uint64 {
	return uint64(sort.Search(len(f.readyAt), func(i int) bool { return f.readyAt[i].After(now) }))
}

// resize sets the desired count. New replicas become ready at readyAt;
// removed ones are the last to become ready (the newest pending first), as
// Kubernetes prefers deleting pods that are not ready yet.
//
// readyAt stays in ascending order, which available and the cut from the
// end rely on: a cold start shortened (SetColdStart) while a replica
// starts gives the new ones an earlier time than it. Appended, a starting
// replica counted as available, and a scale-down removed the ready one.
func (f *function) resize(n uint64, readyAt time.Time) {
	cur := uint64(len(f.readyAt))
	if n <= cur {
		f.readyAt = f.readyAt[:n]
		return
	}
	for range n - cur {
		f.readyAt = append(f.readyAt, readyAt)
	}
	if cur > 0 && f.readyAt[cur-1].After(readyAt) {
		slices.SortStableFunc(f.readyAt, func(a, b time.Time) int { return a.Compare(b) })
	}
}

func notFound(ref provider.Ref) error { return fmt.Errorf("%s: %w", ref, provider.ErrNotFound) }

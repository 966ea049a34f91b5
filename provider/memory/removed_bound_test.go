package memory

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRemovedStampsStayBounded: the provider remembers a removed
// function's CreatedAt only so that a replacement deployed at the same
// instant is stamped after it; once the clock has passed that time, any
// Deploy is stamped later anyway. A simulator that deploys and removes
// functions of distinct names for days kept one entry per name ever
// removed.
//
// Seen failing: 10,000 entries after 10,000 functions removed a second
// apart.
func TestRemovedStampsStayBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(clock.Real(), Options{})
		const n = 10000
		for i := range n {
			ref := provider.Ref{Name: fmt.Sprintf("fn-%d", i), Namespace: "openfaas-fn"}
			mustDeploy(t, p, provider.Function{Ref: ref})
			if err := p.Remove(ref); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
		}
		p.mu.Lock()
		kept := len(p.removed)
		p.mu.Unlock()
		if kept > 2*removedPruneFloor {
			t.Errorf("%d removed functions remembered after %d removed a second apart, want at most %d", kept, n, 2*removedPruneFloor)
		}
		// A name removed long ago and deployed again is still stamped
		// after its predecessor (the clock has passed it).
		old := provider.Ref{Name: "fn-0", Namespace: "openfaas-fn"}
		mustDeploy(t, p, provider.Function{Ref: old})
		if fn, _ := p.Function(t.Context(), old); !fn.CreatedAt.After(time.Now().Add(-time.Nanosecond)) {
			t.Errorf("fn-0 deployed again created %v, want now (%v)", fn.CreatedAt, time.Now())
		}
	})
}

// TestRemovedStampsKeptWhileNeeded: removals at one instant are all
// still needed (the clock has not passed them), however many: each
// replacement deployed at that instant is another function, stamped after
// its predecessor, after the map was pruned many times.
func TestRemovedStampsKeptWhileNeeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(clock.Real(), Options{})
		const n = 1000
		created := map[provider.Ref]time.Time{}
		for i := range n {
			ref := provider.Ref{Name: fmt.Sprintf("fn-%d", i), Namespace: "openfaas-fn"}
			mustDeploy(t, p, provider.Function{Ref: ref})
			fn, _ := p.Function(t.Context(), ref)
			created[ref] = fn.CreatedAt
			if err := p.Remove(ref); err != nil {
				t.Fatal(err)
			}
		}
		for ref, was := range created {
			mustDeploy(t, p, provider.Function{Ref: ref})
			if fn, _ := p.Function(t.Context(), ref); !fn.CreatedAt.After(was) {
				t.Fatalf("%s deployed again at the instant it was removed: created %v, want after its predecessor's %v", ref, fn.CreatedAt, was)
			}
		}
	})
}

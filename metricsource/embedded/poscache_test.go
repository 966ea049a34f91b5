package embedded

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRefCacheIsTheMap: through random adds, deletions (and re-adds) of
// functions and requests -- mostly the same full list in the same order,
// sometimes a shuffled one, a short one or another length -- the cache's
// answer for every position is the store's map's.
func TestRefCacheIsTheMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	st := newStore("openfaas-fn", nil)
	var c refCache
	var all []provider.Ref
	for i := range 12 {
		all = append(all, fnRef(fmt.Sprintf("f%02d", i)))
	}
	for step := range 5000 {
		ref := all[rng.IntN(len(all))]
		switch r := rng.IntN(10); {
		case r == 0 && st.fns[ref] == nil:
			st.fns[ref] = &function{}
			st.added++
		case r == 1 && st.fns[ref] != nil:
			st.fns[ref].gone = true
			delete(st.fns, ref)
		}
		req := all
		switch rng.IntN(6) {
		case 0:
			req = append([]provider.Ref(nil), all...)
			rng.Shuffle(len(req), func(i, j int) { req[i], req[j] = req[j], req[i] })
		case 1:
			req = all[:rng.IntN(minPositional)]
		case 2:
			req = all[:minPositional+rng.IntN(len(all)-minPositional)]
		}
		for i, r := range req {
			if got, want := c.lookup(st, i, len(req), r), st.fns[r]; got != want {
				t.Fatalf("step %d, position %d of %d (%s): %p; the map has %p", step, i, len(req), r.Name, got, want)
			}
		}
	}
}

// TestNameCacheIsTheMap: resolving a scrape's function_names through the
// cache (as ingest does) gives the function the map gives, through
// deletions, re-adds and scrapes that list the functions in another order
// or leave some out.
func TestNameCacheIsTheMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m := map[string]*function{}
	var c nameCache
	var names []string
	for i := range 10 {
		names = append(names, fmt.Sprintf("f%02d", i))
	}
	resolve := func(k int, name string) *function {
		if fn := c.lookup(k, name); fn != nil {
			return fn
		}
		fn := m[name]
		if fn == nil {
			fn = &function{}
			m[name] = fn
		}
		c.set(k, name, fn)
		return fn
	}
	for step := range 3000 {
		if rng.IntN(8) == 0 {
			name := names[rng.IntN(len(names))]
			if fn := m[name]; fn != nil {
				fn.gone = true
				delete(m, name)
			}
		}
		scrape := names
		switch rng.IntN(5) {
		case 0:
			scrape = append([]string(nil), names...)
			rng.Shuffle(len(scrape), func(i, j int) { scrape[i], scrape[j] = scrape[j], scrape[i] })
		case 1:
			scrape = names[rng.IntN(len(names)):]
		}
		for k, name := range scrape {
			want := m[name]
			got := resolve(k, name)
			if want != nil && got != want || got.gone || m[name] != got {
				t.Fatalf("step %d, %s at %d: %p (gone %v); the map had %p", step, name, k, got, got.gone, want)
			}
		}
	}
}

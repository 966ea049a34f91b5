package embedded

import "github.com/faas-autoscaler/faas-autoscaler/provider"

// Positional caches (issue 12: the trace replay). The scaler asks about the
// same functions in the same order at every pass (its listing), once a
// pass for each type (LoadsAligned), and the gateway lists its series in
// the same order at every scrape; each answer looked every function up in
// the store's map by namespace and name (or by function_name, then by
// ref), which was about a twentieth of a replay. A cache remembers which
// store function the i-th function asked about (or the i-th function of a
// scrape) resolved to, and answers when the i-th is the same one again and
// nothing since could have changed the answer: the function was not
// deleted (function.gone) and, for a function the store did not have, none
// was added (store.added).
//
// Only fleets of up to maxPositional functions are cached: a large one's
// cache would sit in the live heap (40 bytes a function) for what the map
// answers anyway. Requests of fewer than minPositional functions (the
// scaler's follow-ups, a function or two every second) are answered from
// the map and leave the cache to the passes.
const (
	maxPositional = 4096
	minPositional = 8
)

// refCache resolves the functions of LoadAligned's requests.
type refCache struct {
	ents  []refEntry
	added uint64 // store.added when the entries were filled
}

// refEntry is what the i-th function of a request resolved to: one array,
// so a hit is one bounds check (lookup's inlined path).
type refEntry struct {
	ref provider.Ref
	fn  *function // nil: the store had no such function
}

// lookup is st.fns[ref] for the i-th function of a request of n.
func (c *refCache) lookup(st *store, i, n int, ref provider.Ref) *function {
	if fn, ok := c.hit(i, n, ref); ok {
		return fn
	}
	return c.resolve(st, i, n, ref)
}

// hit is lookup's answer when it is the cache's as it stands: a function
// past the first of a positional request (n within [minPositional,
// maxPositional]; the store's added is checked at the first alone, by
// resolve) that is the one cached at i and still in the store, which
// resolve would return as well. Small enough to be inlined: the loops of
// LoadsAligned and LoadAligned call it and resolve on a miss alone (the
// call to lookup was most of a hit's cost).
func (c *refCache) hit(i, n int, ref provider.Ref) (*function, bool) {
	if i > 0 && i < len(c.ents) && uint(n-minPositional) <= maxPositional-minPositional {
		if e := &c.ents[i]; e.ref == ref && (e.fn == nil || !e.fn.gone) {
			return e.fn, true
		}
	}
	return nil, false
}

// resolve is lookup whole: the map, the cache started again at a
// request's first function, and the entries (re)filled.
func (c *refCache) resolve(st *store, i, n int, ref provider.Ref) *function {
	if n < minPositional {
		return st.fns[ref]
	}
	if n > maxPositional {
		c.ents = nil
		return st.fns[ref]
	}
	if i == 0 && (c.added != st.added || len(c.ents) != n) {
		// A function was added since (a cached "none" may be wrong now)
		// or the request is another: start again.
		c.ents, c.added = c.ents[:0], st.added
	}
	if i < len(c.ents) && c.ents[i].ref == ref {
		if fn := c.ents[i].fn; fn == nil || !fn.gone {
			return fn
		}
	}
	fn := st.fns[ref]
	switch {
	case i < len(c.ents):
		c.ents[i] = refEntry{ref, fn}
	case i == len(c.ents):
		c.ents = append(c.ents, refEntry{ref, fn})
	}
	return fn
}

// nameCache resolves the functions of a scrape's samples, by function_name
// in the order the scrape lists them.
type nameCache struct {
	names []string
	fns   []*function
}

// lookup returns the function the k-th distinct function_name of a scrape
// resolved to last time, if name is that one and the function is still in
// the store; nil otherwise (the caller resolves it and calls set).
func (c *nameCache) lookup(k int, name string) *function {
	if k < len(c.names) && c.names[k] == name && !c.fns[k].gone {
		return c.fns[k]
	}
	return nil
}

// set records that the k-th distinct function_name resolved to fn.
func (c *nameCache) set(k int, name string, fn *function) {
	switch {
	case k >= maxPositional:
	case k < len(c.names):
		c.names[k], c.fns[k] = name, fn
	case k == len(c.names):
		c.names, c.fns = append(c.names, name), append(c.fns, fn)
	}
}

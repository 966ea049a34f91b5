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
	refs  []provider.Ref
	fns   []*function // nil: the store had no such function
	added uint64      // store.added when the entries were filled
}

// lookup is st.fns[ref] for the i-th function of a request of n.
func (c *refCache) lookup(st *store, i, n int, ref provider.Ref) *function {
	if n < minPositional {
		return st.fns[ref]
	}
	if n > maxPositional {
		c.refs, c.fns = nil, nil
		return st.fns[ref]
	}
	if i == 0 && (c.added != st.added || len(c.refs) != n) {
		// A function was added since (a cached "none" may be wrong now)
		// or the request is another: start again.
		c.refs, c.fns, c.added = c.refs[:0], c.fns[:0], st.added
	}
	if i < len(c.refs) && c.refs[i] == ref {
		if fn := c.fns[i]; fn == nil || !fn.gone {
			return fn
		}
	}
	fn := st.fns[ref]
	switch {
	case i < len(c.refs):
		c.refs[i], c.fns[i] = ref, fn
	case i == len(c.refs):
		c.refs, c.fns = append(c.refs, ref), append(c.fns, fn)
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

package keepalive

import "github.com/faas-autoscaler/faas-autoscaler/provider"

// dueCache is Due's positional cache (issue 12: the trace replay). The
// pre-warmer asks every 10 s about its functions at zero, in its listing's
// order, mostly the same ones as the last time: the i-th remembers the
// history the i-th ref asked about resolved to, instead of hashing every
// ref into fns again (a history, once made, is never replaced, and Listed,
// which drops the histories of deleted functions, empties the cache, so a
// remembered one stays valid). Up to keptAtZero places, as the
// pre-warmer keeps its list.
type dueCache struct {
	refs []provider.Ref
	hs   []*history
}

// at is ref's history, ref being the i-th of a Due of n; mu is held.
func (c *dueCache) at(p *Policy, i, n int, ref provider.Ref) *history {
	if n > keptAtZero {
		c.refs, c.hs = nil, nil
		return p.get(ref)
	}
	h, _ := c.place(p, i, ref)
	return h
}

// place is ref's history, remembered at place i when i is a place held or
// the next one, up to keptAtZero; false when i is past them. mu is held.
func (c *dueCache) place(p *Policy, i int, ref provider.Ref) (*history, bool) {
	if i < len(c.refs) && c.refs[i] == ref {
		return c.hs[i], true
	}
	h := p.get(ref)
	switch {
	case i < len(c.refs):
		c.refs[i], c.hs[i] = ref, h
	case i == len(c.refs) && i < keptAtZero:
		c.refs, c.hs = append(c.refs, ref), append(c.hs, h)
	default:
		return h, false
	}
	return h, true
}

// specCache is the pre-warmer's Due cache (Policy.dueAt): the history of
// the function at each place of the pre-warmer's listing, remembered
// with the pre-warmer's entry for the function (prewarmSpec). A listing
// comes in the same order pass after pass, so the place holds the same
// function (the functions at zero, Due's own places, shift whenever one
// before them wakes or goes to zero: a fifth of Due's lookups missed and
// hashed the ref), and an entry is one function's for good (the
// pre-warmer keys its entries by ref and never gives one another's), so
// comparing the entry's pointer tells what comparing the two names of
// the ref told. Emptied with dueCache (Listed); up to keptAtZero places.
type specCache struct {
	specs []*prewarmSpec
	hs    []*history
}

// at is the history of ref, whose pre-warmer entry is spec, at place i of
// the pre-warmer's listing; mu is held.
func (c *specCache) at(p *Policy, i int, spec *prewarmSpec, ref provider.Ref) *history {
	if i < len(c.specs) && c.specs[i] == spec && spec != nil {
		return c.hs[i]
	}
	h := p.get(ref)
	if i < keptAtZero {
		if i >= len(c.specs) {
			// Up to place i: the places between are functions not at
			// zero, empty until one is asked about.
			c.specs = append(c.specs, make([]*prewarmSpec, i+1-len(c.specs))...)
			c.hs = append(c.hs, make([]*history, i+1-len(c.hs))...)
		}
		c.specs[i], c.hs[i] = spec, h
	}
	return h
}

// seqCache is KeepAlive's cache (issue 12: the trace replay). The idler
// asks about every function every cycle, one call per function in its
// listing's order, without saying where in it the function is: the cache
// guesses the place after the last one asked (or the first, for a new
// cycle), and remembers what the function asked there resolved to, instead
// of hashing every ref into fns again. A guess that misses asks the map and
// remembers the answer in the guessed place. Its histories are valid as
// dueCache's are (Listed empties both). Up to keptAtZero places.
type seqCache struct {
	dueCache
	next int // the place guessed for the next call
}

// get is ref's history; mu is held.
func (c *seqCache) get(p *Policy, ref provider.Ref) *history {
	i := c.next
	if (i >= len(c.refs) || c.refs[i] != ref) && len(c.refs) > 0 && c.refs[0] == ref {
		i = 0 // a new cycle
	}
	c.next = i + 1
	h, kept := c.place(p, i, ref)
	if !kept {
		c.next = 0 // past the places kept: the next call guesses the first
	}
	return h
}

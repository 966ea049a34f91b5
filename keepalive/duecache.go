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
	if i < len(c.refs) && c.refs[i] == ref {
		return c.hs[i]
	}
	h := p.get(ref)
	switch {
	case i < len(c.refs):
		c.refs[i], c.hs[i] = ref, h
	case i == len(c.refs):
		c.refs, c.hs = append(c.refs, ref), append(c.hs, h)
	}
	return h
}

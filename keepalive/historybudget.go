package keepalive

import "slices"

// maxIdleTimes bounds the idle times all histories hold together. History
// bounds one function's (256 by default, eight bytes an idle time with its
// weight and place in the order: idleTime), but the policy learns every function the
// gateway counts: at 100,000 functions full histories were 289 MB of heap,
// over the chart's 256 MiB memory limit on their own. Two million idle
// times are 16 MB: every function keeps its full History up to 7,812
// functions with full histories; beyond that a function grows only to its
// fair share (fairShare; mayGrow), and a complete listing cuts the
// histories over it (trimToBudget). Two million is where the share meets
// its floor (2 × MinSamples) at 100,000 functions: four million (40 a
// function there) put a fleet of 100,000 functions called every 30 s at
// 268 MiB RSS under the chart's limit once its histories were full, its
// heap within a few MiB of the 230 MiB soft limit. A variable so that
// tests can lower it.
var maxIdleTimes = 2_000_000

// fairShare is how many idle times a function may grow to while the
// histories together hold maxIdleTimes or more: an equal share of the
// budget, but never below twice MinSamples, so that a plan in a very large
// fleet is still learned from more than the fewest idle times trusted.
// mu is held.
func (p *Policy) fairShare() int {
	share := maxIdleTimes / max(1, len(p.fns))
	return min(p.cfg.History, max(share, 2*p.cfg.MinSamples))
}

// mayGrow says whether h may take a new idle time in a new place rather
// than in its oldest's. Only a history whose ring is in arrival order
// (next at 0: its oldest first) grows, so that the places it grows into
// are its newest: one that had wrapped at its fair share grows again when
// its ring comes round, once the fleet's shrinking leaves room. A history
// refused growth is cut to its length, so that what append reserved ahead
// of it (up to twice its length) is not held for good. mu is held.
func (p *Policy) mayGrow(h *history) bool {
	if len(h.e) >= p.cfg.History || h.next != 0 {
		return false
	}
	if p.idleTimes < maxIdleTimes || len(h.e) < p.fairShare() {
		return true
	}
	if cap(h.e) > len(h.e) {
		h.e = exactCopy(h.e)
	}
	return false
}

// growthLimit is how far h's array may grow at once: to its fair share,
// so that a large fleet's histories end exactly there and a refusal finds
// nothing to cut (cut at refusal, every history of a 100,000-function
// fleet was copied within minutes of the fleet reaching the budget: 28 MB
// at once, and an RSS peak over the chart's limit); past it, which only a
// fleet still under the budget allows, by a quarter (up to History). One
// place at a time past it copied a busy function's whole array at each
// idle time from its share to History: at 10,000 functions (a share of
// 200) a day's rebuild allocated 195 MB doing so, 56 copies of up to 2 KB
// for each function called more than a couple of hundred times, where a
// quarter is two. What a quarter holds ahead is bounded by the budget (a
// quarter of it at most, 4 MB), and cut at a refusal. A fleet of up to
// 7,812 functions has History as its share. mu is held.
func (p *Policy) growthLimit(h *history) int {
	if share := p.fairShare(); len(h.e) < share {
		return share
	}
	return min(p.cfg.History, len(h.e)+max(1, len(h.e)/4))
}

// exactCopy is a copy of s whose capacity is its length (slices.Clone's
// may be more, rounded up to the allocator's size class, and mayGrow would
// then copy the history again at every idle time).
func exactCopy[T any](s []T) []T {
	c := make([]T, len(s))
	copy(c, s)
	return c
}

// trimToBudget cuts every history over the budget's share down to it,
// keeping its newest idle times, when the histories together hold more than
// maxIdleTimes: the share the budget allows with every shorter history kept
// whole (fillShare), and never below the fair share. mayGrow alone bounds only what grows after the fleet is
// large: histories filled while it was small (or functions that came one
// after another, each taking the share of its time) kept theirs. Listed
// calls it, at least every five minutes. mu is held.
func (p *Policy) trimToBudget() {
	if p.idleTimes <= maxIdleTimes {
		return
	}
	share := max(p.fairShare(), p.fillShare())
	for _, h := range p.fns {
		if len(h.e) > share {
			p.idleTimes -= len(h.e) - share
			h.keepNewest(share)
		}
	}
}

// fillShare is the longest history the budget allows when every history
// shorter than it keeps all it holds: the largest s with Σ min(len, s) ≤
// maxIdleTimes (water-filling). The equal share alone counted a function
// holding one idle time as using a whole share: a fleet of a few busy
// functions and many rare ones (most functions of the Azure trace are
// called a few times a day), 26 % over the budget, was cut to 15 % of it,
// the busy functions from 243 idle times to 20 where 191 fitted, and their
// plans learned from their last 20 gaps. mu is held; O(n log n), at a cut.
func (p *Policy) fillShare() int {
	lens := make([]int, 0, len(p.fns))
	for _, h := range p.fns {
		lens = append(lens, len(h.e))
	}
	slices.Sort(lens)
	below := 0 // idle times of the histories shorter than lens[i]
	for i, l := range lens {
		if rest := len(lens) - i; below+rest*l > maxIdleTimes {
			return (maxIdleTimes - below) / rest // between lens[i-1] and l
		}
		below += l
	}
	return p.cfg.History // everything fits: nothing to cut
}

// keepNewest cuts h to its newest n idle times (0 < n < len(h.e)), in a
// ring in arrival order (next at 0) of exactly n places, and their order
// made again; the plan is made again at its next use.
func (h *history) keepNewest(n int) {
	l := len(h.e)
	e := make([]idleTime, n)
	for i := range n {
		j := (h.next + l - n + i) % l // the oldest is at next
		e[i].it, e[i].w = h.e[j].it, h.e[j].w
	}
	if l > 0 {
		// The busy stretches go with the idle times cut, as the ring's
		// own replacements fade them (push): left whole, the rate of the
		// kept idle times counted the calls of all of them.
		share := float32(n) / float32(l)
		h.busyCalls, h.busySecs = h.busyCalls*share, h.busySecs*share
	}
	h.e, h.next = e, 0
	h.rebuildOrder()
	h.planned = false
}

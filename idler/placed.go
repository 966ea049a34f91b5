package idler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Positional cache (issue 12: the trace replay). A cycle lists the
// functions in the provider's order, almost always the last cycle's, and
// looked each one up twice by ref: its state in Idler.state and, for an
// automatic keep-alive, its source's words in Idler.autoSources (hashing
// the policy's reason). Together about 2 % of a replay. The i-th place
// remembers the function listed there and what those lookups found, and
// answers while the i-th function is the same one again.
//
// A state deleted by a cycle (not listed in it) is at no place afterwards:
// every place up to the listing's length is set by that cycle, and the rest
// are dropped. A source's words stand while autoSources is the map they
// came from (autoGen): its entries never change until it is made anew.
//
// Only fleets of up to maxPlaced functions are cached, as the embedded
// source's positional caches: a large fleet's would stay in the live heap
// between cycles for what the maps answer anyway.
const maxPlaced = 4096

// placed is one place of the last listing.
type placed struct {
	ref provider.Ref
	st  *fnState
	// The automatic keep-alive's source last worded for the function: for
	// the policy's reason why and duration keep, under autoSources'
	// generation gen.
	why  string
	keep time.Duration
	gen  uint64
	src  string
}

// stateAt is the state of ref, the i-th of a listing of n, as the last
// listing placed it there (nil: look it up). d.mu is held.
func (d *Idler) stateAt(i, n int, ref provider.Ref) *fnState {
	if n > maxPlaced {
		d.placed = nil
		return nil
	}
	if i < len(d.placed) && d.placed[i].st != nil && d.placed[i].ref == ref {
		return d.placed[i].st
	}
	return nil
}

// place puts ref and its state at place i of a listing of n.
func (d *Idler) place(i, n int, ref provider.Ref, st *fnState) {
	switch {
	case n > maxPlaced:
	case i < len(d.placed):
		if p := &d.placed[i]; p.st != st || p.ref != ref {
			*p = placed{ref: ref, st: st}
		}
	default:
		d.placed = append(d.placed, placed{ref: ref, st: st})
	}
}

// placedTo ends a listing of n: places beyond it are dropped.
func (d *Idler) placedTo(n int) {
	if n <= maxPlaced && n < len(d.placed) {
		clear(d.placed[n:])
		d.placed = d.placed[:n]
	}
}

// placeOf is the i-th place of this cycle's listing (nil when not cached).
func (d *Idler) placeOf(i int) *placed {
	if i < len(d.placed) {
		return &d.placed[i]
	}
	return nil
}

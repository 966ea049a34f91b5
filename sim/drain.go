package sim

import (
	"cmp"
	"slices"
)

// drainer is a replica a scale-down is removing while it serves requests:
// it takes no new work and leaves when the last of them ends.
type drainer struct {
	id   uint32 // marks its requests (running.drain); never reused
	load int    // requests still running on it, at least one
}

// drain moves n busy replicas that are not draining to draining, and with
// them their requests: those running on a draining replica neither free a
// slot when they end nor take one from the replicas still serving (a
// review's finding: counting them against the serving replicas kept a
// replica started for held requests from serving them).
//
// Which replicas and requests: requests are packed onto the busiest replica
// with room, so the busy replicas are full but for one that holds the
// remainder, and the replicas filled last hold the requests started last.
// The least loaded replicas drain first (the partly filled one, then full
// ones), holding the requests started last: Kubernetes deletes the
// youngest pods first, and with packing the replicas filled last are the
// ones that came up last. The caller leaves n at most the busy replicas
// not draining (idle ones are removed, not drained).
func (r *replay) drain(n int) {
	if n <= 0 {
		return
	}
	c := r.info.Concurrency
	var free []int // indices in r.done of requests not on a draining replica
	for i, run := range r.done {
		if run.drain == 0 {
			free = append(free, i)
		}
	}
	// Started last first; ties (requests started at one instant) by the
	// later end, then heap position, so a replay stays deterministic.
	slices.SortStableFunc(free, func(a, b int) int {
		if o := cmp.Compare(r.done[b].start, r.done[a].start); o != 0 {
			return o
		}
		return cmp.Compare(r.done[b].end, r.done[a].end)
	})
	load := len(free) % c // the partly filled replica's share
	if load == 0 {
		load = c
	}
	for ; n > 0 && len(free) > 0; n-- {
		load = min(load, len(free))
		r.drainIDs++
		for _, i := range free[:load] {
			r.done[i].drain = r.drainIDs
		}
		free = free[load:]
		r.drainers = append(r.drainers, drainer{id: r.drainIDs, load: load})
		r.drainBusy += load
		load = c
	}
}

// undrain takes back n draining replicas, with their requests: the least
// loaded first, as they have the most room for the queue a scale-up that
// takes them back serves at once (docs/sim.md, "The model"). Taking back
// the ones drained last, as it once did, took full replicas back while the
// partly filled one, drained first, stayed draining beside a queued request
// it had a slot for (a review's finding). Ties go to the one drained last
// (the larger id), as before, so a replay stays deterministic.
func (r *replay) undrain(n int) {
	if n <= 0 {
		return
	}
	back := slices.Clone(r.drainers)
	slices.SortFunc(back, func(a, b drainer) int {
		if o := cmp.Compare(a.load, b.load); o != 0 {
			return o
		}
		return cmp.Compare(b.id, a.id)
	})
	back = back[:n]
	// Ids are not a range: drain hands them out in turn, but the least
	// loaded drainers need not be the last ones drained.
	ids := make([]uint32, n)
	for i, d := range back {
		ids[i] = d.id
		r.drainBusy -= d.load
	}
	slices.Sort(ids)
	taken := func(id uint32) bool {
		_, ok := slices.BinarySearch(ids, id)
		return ok
	}
	r.drainers = slices.DeleteFunc(r.drainers, func(d drainer) bool { return taken(d.id) }) // keeps id order
	for i := range r.done {
		if d := r.done[i].drain; d != 0 && taken(d) {
			r.done[i].drain = 0
		}
	}
}

// endDrained accounts for fin's end if it ran on a draining replica, which
// leaves with its last request, and reports whether it did: its slot frees
// nothing.
func (r *replay) endDrained(fin running) bool {
	if fin.drain == 0 {
		return false
	}
	i, ok := slices.BinarySearchFunc(r.drainers, fin.drain, func(d drainer, id uint32) int { return cmp.Compare(d.id, id) })
	if !ok {
		panic("sim: a request on a draining replica that is not draining")
	}
	r.drainBusy--
	if r.drainers[i].load--; r.drainers[i].load == 0 {
		r.drainers = slices.Delete(r.drainers, i, i+1)
		r.ready--
	}
	return true
}

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

// undrain takes back the n replicas drained last, with their requests.
func (r *replay) undrain(n int) {
	if n <= 0 {
		return
	}
	back := r.drainers[len(r.drainers)-n:]
	first := back[0].id // drainers are in id order: those taken back have ids from first up
	for _, d := range back {
		r.drainBusy -= d.load
	}
	r.drainers = r.drainers[:len(r.drainers)-n]
	for i := range r.done {
		if r.done[i].drain >= first {
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

package sim

// apply carries out a controller's Decision at the replay's now: its wake
// time, and its replicas as Kubernetes would reach them (new replicas start
// with the cold-start delay, removals take starting then idle replicas
// first and drain busy ones), so every policy pays the same platform costs.
func (r *replay) apply(d Decision) {
	r.quietTill = -1
	if !d.Wake.IsZero() {
		w := d.Wake.Sub(r.start)
		if w < r.now {
			w = r.now
		}
		r.wake = w
	} else {
		r.wake = never
	}
	if d.Replicas == Keep || d.Replicas < 0 {
		return
	}
	cur := r.desired()
	want := d.Replicas
	if want == cur {
		return
	}
	if want > cur {
		r.res.ScaleUps++
		n := want - cur
		// A draining replica is a pod being deleted, which Kubernetes never
		// takes back. The engine does (a simplification) only while the
		// function has an available replica, when the gateway holds
		// nothing. With none (desired 0, or only starting replicas) the
		// gateway holds requests for a scale from zero, which are cold
		// (docs/sim.md, "The model"): the scale-up starts new replicas, as
		// Kubernetes does, where taking a draining one back would start the
		// held requests warm (a review's finding).
		undrain := 0
		if r.available() {
			undrain = min(n, r.draining())
		}
		r.undrain(undrain)
		for i := undrain; i < n; i++ {
			r.starting = append(r.starting, r.now+r.info.ColdStart)
		}
		if undrain > 0 {
			// Taking back a draining replica frees its remaining slots at
			// once (the gateway routes to it again): no completion or
			// readiness is coming to look at the queue, so it is looked at
			// now. The replica was ready all along, so the
			// requests it takes are not cold.
			r.dispatch(warmSlot)
		}
	} else {
		r.res.ScaleDowns++
		n := cur - want
		k := min(n, len(r.starting))
		r.starting = r.starting[:len(r.starting)-k]
		n -= k
		k = min(n, r.idleReady())
		r.ready -= k
		r.drain(n - k)
	}
	r.mark()
}

// mark records the timeline function's state after a scale or readiness
// change (nothing for the other functions: the timeline is one function's).
func (r *replay) mark() {
	if r.timeline != nil {
		*r.timeline = append(*r.timeline, TimelinePoint{T: r.now.Seconds(), Desired: r.desired(), Ready: r.ready,
			Load: r.busy + len(r.queue) - r.qhead})
	}
}

// markLoad records a load change of the timeline function, collapsing
// changes at the same instant.
func (r *replay) markLoad() {
	if r.timeline == nil {
		return
	}
	tl := *r.timeline
	if n := len(tl); n > 0 && tl[n-1].T == r.now.Seconds() {
		tl[n-1].Load = r.busy + len(r.queue) - r.qhead
		tl[n-1].Desired, tl[n-1].Ready = r.desired(), r.ready
		return
	}
	r.mark()
}

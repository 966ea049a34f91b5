package sim

import "time"

// request is one invocation waiting for capacity.
type request struct {
	arrival time.Duration
	exec    time.Duration
	// gw is when the gateway started the request (its started counter and
	// the start of its measured duration): at arrival while the function
	// has an available replica, or held until it has one (OpenFaaS holds a
	// request to a function at zero before it counts it as started, and
	// proxies every held request once a replica is available; a request
	// waiting for a busy replica has been proxied and waits there).
	gw time.Duration
	// readies is how many replicas had become ready when it arrived.
	readies uint64
}

// heldByGateway marks a request the gateway holds for a scale from zero.
const heldByGateway = time.Duration(-1)

// running is a request executing: when it ends, and when the gateway
// started it (its measured duration is end − gw: a wait at a busy replica
// included, a scale from zero not).
type running struct {
	end, gw time.Duration
	start   time.Duration // when it started running (drain picks by it)
	// slot numbers the replica the request runs on by when it became ready:
	// the n-th replica to become ready in the replay has slot n (a request
	// started at once on arrival gets the count then: any replica it found
	// was ready by then). A completion hands the slot to the next queued
	// request, which is a cold start if the slot's replica became ready
	// after it arrived. Numbers, not times: a replica ready at the instant
	// a request arrives (a zero cold-start delay) is after it exactly when
	// its event is handled after the arrival. 32 bits, as drain, keep the
	// struct at 32 bytes (every sift of runHeap moves it, and the heap is
	// walked by drain); a replay makes nowhere near 2³² replicas ready.
	slot uint32
	// drain is the id of the draining replica it runs on (drainer.id), 0
	// while its replica serves.
	drain uint32
}

// warmSlot numbers a replica ready before any request still queued arrived
// (a draining replica taken back).
const warmSlot = 0

// capacity is the number of requests that can start now: the free slots of
// the replicas still serving (those on draining replicas hold none of them).
func (r *replay) capacity() int {
	return (r.ready-r.draining())*r.info.Concurrency - (r.busy - r.drainBusy)
}

// startReq starts q now on a slot of the slot-th replica to become ready:
// a cold start when that was after q arrived (docs/sim.md, "The model").
func (r *replay) startReq(q request, slot uint64) {
	r.busy++
	r.done.push(running{end: r.now + q.exec, gw: q.gw, start: r.now, slot: uint32(slot)})
	wait := (r.now - q.arrival).Seconds()
	r.res.Waits.Add(wait)
	if slot > q.readies {
		r.res.ColdStarts++
	}
}

// dispatch starts queued requests while there is room, on slots of the
// slot-th replica to become ready. It runs wherever room can appear: a
// completion on a serving replica (the slot its request ran on; one on a
// draining replica frees none), a replica becoming ready (its number), a
// scale-up that takes back draining replicas (warmSlot). Replicas are
// counts, so a slot is followed through the requests that use it rather
// than a replica through its slots: a completion's slot goes to the queue's
// head, which is exact when one slot frees at a time (the queue is empty
// whenever one is free).
func (r *replay) dispatch(slot uint64) {
	r.release()
	for r.qhead < len(r.queue) && r.capacity() > 0 {
		r.startReq(r.queue[r.qhead], slot)
		r.qhead++
	}
	if r.qhead == len(r.queue) {
		r.queue, r.qhead = r.queue[:0], 0
	} else if r.qhead > 1024 && r.qhead*2 > len(r.queue) {
		r.queue = append(r.queue[:0], r.queue[r.qhead:]...)
		r.qhead = 0
	}
}

// available is whether the gateway sees a replica it can proxy to: ready
// and not being removed.
func (r *replay) available() bool { return r.ready-r.draining() > 0 }

// release starts the requests the gateway held for a scale from zero, once
// the function has an available replica: all at once, now.
func (r *replay) release() {
	if r.held == 0 || !r.available() {
		return
	}
	for i := r.qhead; i < len(r.queue); i++ {
		if r.queue[i].gw == heldByGateway {
			r.queue[i].gw = r.now
		}
	}
	r.started += uint64(r.held)
	r.held = 0
}

package sim

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// never is a time after every event of a replay.
const never = time.Duration(math.MaxInt64)

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
	// struct at 32 bytes (heap.Push boxes it: the size is the replay's
	// allocation rate); a replay makes nowhere near 2³² replicas ready.
	slot uint32
	// drain is the id of the draining replica it runs on (drainer.id), 0
	// while its replica serves.
	drain uint32
}

// warmSlot numbers a replica ready before any request still queued arrived
// (a draining replica taken back).
const warmSlot = 0

// durHeap is a min-heap of running requests by completion time.
type durHeap []running

func (h durHeap) Len() int           { return len(h) }
func (h durHeap) Less(i, j int) bool { return h[i].end < h[j].end }
func (h durHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *durHeap) Push(x any)        { *h = append(*h, x.(running)) }
func (h *durHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// replay is the state of one function under one policy. The replica pool is
// kept as counts: requests are packed onto the busiest replica with room, so
// the number of idle serving replicas is (ready − draining) −
// ⌈(busy − drainBusy)/concurrency⌉. Scale-down removes starting replicas
// first (as Kubernetes deletes unready pods first), then idle ones; busy
// replicas drain: they take no new work and leave when their requests
// finish, which are followed one by one (drain.go).
type replay struct {
	cfg   *Config
	info  FunctionInfo
	start time.Time
	ctl   Controller
	end   time.Duration
	// stream is the function's index in the loaded trace
	// (trace.Trace.Position), which seeds its generator: not info.Index,
	// its place in the trace replayed, which a sample renumbers.
	stream int

	now      time.Duration
	ready    int
	starting []time.Duration // ready-at times, ascending (one cold-start delay per function)
	// drainers are the draining replicas (counted in ready), in id order;
	// drainBusy the requests running on them (counted in busy), which hold
	// no slot of the replicas still serving.
	drainers  []drainer
	drainIDs  uint32
	drainBusy int
	busy      int
	queue     []request
	qhead     int
	done      durHeap
	wake      time.Duration
	// readies counts the replicas that have become ready (starting
	// replicas reaching their ready-at time), numbering their slots.
	readies  uint64
	arrivals uint64
	loadSec  float64
	// started is the gateway's started counter; held the queued requests
	// not counted in it yet (see request.gw).
	started uint64
	held    int
	// completed and completedSec are the gateway's duration histogram's
	// _count and _sum: requests finished, and their durations from the
	// gateway's start, added when each one ends.
	completed    uint64
	completedSec float64

	res      FunctionResult
	timeline *[]TimelinePoint

	gen         arrivalGen
	tA          time.Duration // next arrival
	defaultExec time.Duration

	// quietTill is set by until when the function is left at zero with
	// nothing queued, running or draining: an until before quietTill (its
	// next arrival or wake) would only move the clock, as every integral
	// grows by exactly 0. A fleet's replay skips those calls (most of its
	// steps: every pass syncs every function); -1 when the function is not
	// quiet or something changed it since (apply).
	quietTill time.Duration
}

func (r *replay) desired() int { return r.ready + len(r.starting) - r.draining() }

// draining is the number of draining replicas.
func (r *replay) draining() int { return len(r.drainers) }

func (r *replay) state() State {
	return State{Desired: r.desired(), Ready: r.ready, Starting: len(r.starting), Inflight: r.busy,
		Queued: len(r.queue) - r.qhead, Arrivals: r.arrivals, LoadSeconds: r.loadSec,
		Started: r.started, Completed: r.completed, CompletedSeconds: r.completedSec}
}

func (r *replay) at(d time.Duration) time.Time { return r.start.Add(d) }

// idleReady is the number of serving replicas with nothing to do (a
// draining replica leaves with its last request: it is never idle).
func (r *replay) idleReady() int {
	c := r.info.Concurrency
	n := r.ready - r.draining() - (r.busy-r.drainBusy+c-1)/c
	if n < 0 {
		return 0
	}
	return n
}

// advance moves the clock to t, integrating replica and load time.
func (r *replay) advance(t time.Duration) {
	if t <= r.now {
		return
	}
	// Most steps of a fleet's replay find the function at zero with
	// nothing queued: every integral grows by exactly 0 (idle replicas need
	// ready ones), so they are left as they are, bit for bit the same.
	if rs, load := r.ready+len(r.starting), r.busy+len(r.queue)-r.qhead; rs != 0 || load != 0 {
		dt := (t - r.now).Seconds()
		r.res.ReplicaSeconds += dt * float64(rs)
		r.res.IdleReplicaSeconds += dt * float64(r.idleReady())
		r.loadSec += dt * float64(load)
	}
	r.now = t
}

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

// capacity is the number of requests that can start now: the free slots of
// the replicas still serving (those on draining replicas hold none of them).
func (r *replay) capacity() int {
	return (r.ready-r.draining())*r.info.Concurrency - (r.busy - r.drainBusy)
}

// startReq starts q now on a slot of the slot-th replica to become ready:
// a cold start when that was after q arrived (docs/sim.md, "The model").
func (r *replay) startReq(q request, slot uint64) {
	r.busy++
	heap.Push(&r.done, running{end: r.now + q.exec, gw: q.gw, start: r.now, slot: uint32(slot)})
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

// arrivalGen draws one function's arrivals minute by minute.
type arrivalGen struct {
	fn      *trace.Function
	rng     *rand.Rand
	model   trace.ArrivalModel
	offsets []float64
	minute  int
	next    int
}

// peek is the time of the next arrival, or never.
func (g *arrivalGen) peek() time.Duration {
	for g.next >= len(g.offsets) {
		g.minute++
		if g.minute >= len(g.fn.PerMinute) {
			return never
		}
		g.offsets = g.model.Minute(g.rng, g.fn.PerMinute[g.minute], g.offsets)
		g.next = 0
	}
	return time.Duration(g.minute)*time.Minute + time.Duration(g.offsets[g.next]*1e9)
}

// begin prepares the replay of fn's invocations (run, or a fleet's steps).
func (r *replay) begin(fn *trace.Function, seed uint64, model trace.ArrivalModel, defaultExec time.Duration) {
	r.gen = arrivalGen{fn: fn, rng: trace.NewRNG(seed, r.stream), model: model, minute: -1}
	r.defaultExec = defaultExec
	r.wake = never
	r.quietTill = -1 // until has not looked yet
	if st, ok := r.ctl.(Starter); ok {
		d := st.Start(r.at(0))
		if d.Replicas > 0 {
			r.ready = d.Replicas
			r.mark()
		}
		d.Replicas = Keep
		r.apply(d)
	}
	r.tA = r.gen.peek()
}

// until handles every event before t, in time order, then moves the clock
// to t (not past the end).
func (r *replay) until(t time.Duration) {
	t = min(t, r.end)
	for {
		tC, tS := never, never
		if len(r.done) > 0 {
			tC = r.done[0].end
		}
		if len(r.starting) > 0 {
			tS = r.starting[0]
		}
		e := min(r.tA, tC, tS, r.wake)
		if e >= t {
			break
		}
		r.advance(e)
		switch e {
		case tC:
			fin := heap.Pop(&r.done).(running)
			r.completed++
			r.completedSec += (fin.end - fin.gw).Seconds()
			r.busy--
			if !r.endDrained(fin) {
				r.dispatch(uint64(fin.slot))
			}
			r.markLoad()
		case tS:
			r.starting = r.starting[1:]
			r.ready++
			r.readies++
			r.dispatch(r.readies)
			r.mark()
		case r.wake:
			r.apply(r.ctl.Wake(r.at(e), r.state()))
			if r.wake <= e {
				// A controller asking to be woken now again would spin.
				r.wake = e + time.Millisecond
			}
		default:
			r.arrive(e)
		}
	}
	r.advance(t)
	r.quietTill = -1
	if r.ready == 0 && len(r.starting) == 0 && r.draining() == 0 && r.busy == 0 && len(r.done) == 0 && len(r.queue) == r.qhead {
		r.quietTill = min(r.tA, r.wake)
	}
}

func (r *replay) arrive(t time.Duration) {
	r.apply(r.ctl.Arrival(r.at(t), r.state()))
	r.arrivals++
	r.res.Invocations++
	exec := r.defaultExec
	if fn := r.gen.fn; fn.Duration != nil {
		exec = saturatedDuration(fn.Duration.Sample(r.gen.rng.Float64()) * 1e9)
	}
	q := request{arrival: t, exec: exec, gw: heldByGateway, readies: r.readies}
	r.release()
	if r.available() {
		q.gw = t
		r.started++
	} else {
		r.held++
	}
	if r.qhead == len(r.queue) && r.capacity() > 0 {
		r.startReq(q, r.readies)
	} else {
		r.queue = append(r.queue, q)
	}
	r.markLoad()
	r.gen.next++
	r.tA = r.gen.peek()
}

// finish closes the replay at its end. Requests still waiting then never
// started: count them as cold starts with their wait so far, so a policy
// cannot win by never waking.
func (r *replay) finish() {
	r.until(r.end)
	for _, q := range r.queue[r.qhead:] {
		r.res.ColdStarts++
		r.res.Waits.Add((r.end - q.arrival).Seconds())
		r.res.Unserved++
	}
}

// run replays fn's invocations under a per-function controller.
func (r *replay) run(fn *trace.Function, seed uint64, model trace.ArrivalModel, defaultExec time.Duration) {
	r.begin(fn, seed, model, defaultExec)
	r.finish()
}

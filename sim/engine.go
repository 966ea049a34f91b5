package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// never is a time after every event of a replay.
const never = time.Duration(math.MaxInt64)

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
	done      runHeap
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
			fin := r.done.pop()
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

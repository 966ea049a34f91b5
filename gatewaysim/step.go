package gatewaysim

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// maxInstants bounds how many distinct instants one function's arrivals
// take in one step. Up to it, each arrival has an instant of its own; above
// it (over 1,000 rps at the 100 ms step) the arrivals are grouped, the
// group at its members' mean instant, so a step's work and the requests
// held in running stay bounded by the step and the duration, not the rate.
const maxInstants = 100

// tally gathers one function's counts of one step, so each counter is
// touched once a step however many instants the step has. Completions are
// kept by latency (one run per distinct duration: one unless SetWorkload
// changed it while requests ran).
type tally struct {
	started int
	refused int
	// unreachable is the calls forwarded to a function with no ready
	// replica (no scale_from_zero): the proxy's 503 at once.
	unreachable int
	done        []doneRun
}

type doneRun struct {
	count   int
	latency time.Duration
}

func (t *tally) complete(n int, latency time.Duration) {
	if k := len(t.done); k > 0 && t.done[k-1].latency == latency {
		t.done[k-1].count += n
		return
	}
	t.done = append(t.done, doneRun{count: n, latency: latency})
}

// flush exports the step's counts: started first, so that a scrape between
// two of these calls never reads more ended than started.
func (g *Gateway) flush(name string, t *tally) {
	if t.started > 0 {
		g.metrics.started(name, t.started)
	}
	for _, d := range t.done {
		g.metrics.complete(name, "200", d.count, d.latency)
	}
	if t.refused > 0 {
		g.metrics.complete(name, "429", t.refused, 0)
	}
	if t.unreachable > 0 {
		g.metrics.complete(name, "503", t.unreachable, 0)
	}
	*t = tally{done: t.done[:0]}
}

// stepFunction advances one function over the step that ends at now.
//
// A request holds a replica's slot for exactly its Duration, so the gauge
// (and started − total) reads rps × Duration, as on a real gateway (Little's
// law). To that end, while the function serves, the step's n arrivals are
// spread evenly over the step, the k-th at now − dt + (k+½)·dt/n, and taken
// in time order with the completions between them: a request that ends at
// or before a later arrival frees its slot for it, and an arrival that finds
// no free slot (max_inflight) gets the watchdog's 429 at once. Every request
// that ended at or before now is counted at this step, with its own
// duration, and the gauge is what runs at now (start ≤ now < end).
//
// With ScaleFromZero, a function without a ready replica holds its
// arrivals (waiting), as the gateway's scaling handler does; the step that
// first sees a replica ready releases them, and that step's own arrivals
// after them, oldest first, at now: the step reads the replica ready at now,
// and when it became so within the step is unknown. That step is as before
// the spread. Without it the gateway has no scaling handler: the proxy
// answers at once, 503, and nothing waits or wakes the function.
func (g *Gateway) stepFunction(ctx context.Context, ref provider.Ref, fn provider.Function, st *fnState, now time.Time, dt time.Duration) {
	name := ref.String()
	t := &g.tally

	// The arrivals the pattern asks for over the step (since the pattern
	// started, if within it): the rate at the step's end applied to the
	// whole step ran a phase shorter than the step at any rate the step's
	// end fell in, began each phase a step early, and put a rate set just
	// before a tick on the whole step (a review's finding).
	st.carry += st.w.Load.Arrivals(now.Sub(st.since)) - st.w.Load.Arrivals(now.Add(-dt).Sub(st.since))
	arrivals := int(math.Floor(st.carry))
	st.carry -= float64(arrivals)

	if g.cfg.ScaleFromZero && !lookupFactorOK(fn.Labels) {
		// The gateway's scale-from-zero lookup fails on a factor outside
		// 1..100: each call is answered 404 before the proxy, uncounted,
		// and nothing is woken (a review's finding: the simulator woke
		// such functions). Warm or not: the gateway answers from its cache
		// only a lookup that succeeded, so every call looks up again (a
		// later review's finding: warm functions served every call).
		arrivals = 0
	}
	if fn.AvailableReplicas == 0 && !g.cfg.ScaleFromZero {
		// No scaling handler: the proxy finds no endpoint and answers 503
		// at once, started and completed (a review's finding: the
		// simulator held these calls for ColdStartTimeout, so a function
		// at zero read as idle instead of failing).
		g.completeUntil(st, now, t)
		t.started += arrivals
		t.unreachable += arrivals
		g.flush(name, t)
		g.metrics.inflight(name, st.inflight)
		return
	}
	if fn.Replicas > 0 {
		// A wake under way (or done): a failing call's next retry finds
		// replicas > 0 and goes on to poll, as the others wait.
		st.wakeFailedAt = time.Time{}
	}
	if len(st.waiting) > 0 || fn.AvailableReplicas == 0 {
		g.completeUntil(st, now, t)
		if arrivals > 0 {
			st.waiting = append(st.waiting, arrival{at: now, count: arrivals})
		}
		if len(st.waiting) > 0 && fn.AvailableReplicas == 0 {
			// Every call that finds replicas == 0 asks for a replica, so a
			// function put back to zero while requests wait is woken again by
			// the next one. Requests already waiting only poll, except those
			// whose ask failed: they retry it every 100 ms. One call per
			// step stands for the step's asks.
			if fn.Replicas == 0 && (arrivals > 0 || !st.wakeFailedAt.IsZero()) {
				if err := g.scaleFromZero(ctx, ref, fn); err == nil {
					st.wakeFailedAt = time.Time{}
				} else if st.wakeFailedAt.IsZero() {
					st.wakeFailedAt = now
				}
			}
			g.expireWaiting(name, st, now)
			g.flush(name, t)
			g.metrics.inflight(name, st.inflight+st.waitingCount())
			return
		}
		for _, a := range st.waiting {
			g.admit(st, fn, now, a.count, t)
		}
		st.waiting = st.waiting[:0]
		st.wakeFailedAt = time.Time{}
	} else if arrivals > 0 {
		from := now.Add(-dt)
		groups := min(arrivals, maxInstants)
		for j := range groups {
			// Group j is arrivals a … b−1; their mean instant is
			// from + ((a+b)/2)·dt/n, which is (k+½)·dt/n for a group of one.
			a, b := j*arrivals/groups, (j+1)*arrivals/groups
			at := from.Add(time.Duration(float64(dt) * float64(a+b) / float64(2*arrivals)))
			g.admit(st, fn, at, b-a, t)
		}
	}
	g.completeUntil(st, now, t)
	g.flush(name, t)
	g.metrics.inflight(name, st.inflight)
}

// admit starts n requests arriving at at: the requests that ended by then
// free their slots first; those beyond the free slots (Concurrency per
// available replica) are refused with the watchdog's 429.
func (g *Gateway) admit(st *fnState, fn provider.Function, at time.Time, n int, t *tally) {
	g.completeUntil(st, at, t)
	t.started += n
	if c := st.w.Concurrency; c > 0 {
		free := max(int(fn.AvailableReplicas)*c-st.inflight, 0)
		if n > free {
			t.refused += n - free
			n = free
		}
	}
	if n == 0 {
		return
	}
	// The duration the gateway records is the forward's, timed from the
	// started event: the scale-from-zero wait before it is not in
	// gateway_functions_seconds (its proxy starts the clock after the
	// wait). Counted in, it made the mean duration of a function just woken
	// several times its calls', and the capacity load (arrivals × mean
	// duration) read three times the load.
	b := batch{doneAt: at.Add(st.w.Duration), count: n, latency: st.w.Duration}
	// Arrivals come in time order, so with one Duration a batch ends last
	// and is appended; only a Duration changed while requests run inserts.
	i := len(st.running)
	if i > st.ended && st.running[i-1].doneAt.After(b.doneAt) {
		i = st.ended + sort.Search(i-st.ended, func(k int) bool { return st.running[st.ended+k].doneAt.After(b.doneAt) })
	}
	st.running = slices.Insert(st.running, i, b)
	st.inflight += n
}

// completeUntil ends the running requests whose end is at or before t.
// The ended batches are dropped from the front by moving st.ended; the live
// ones are moved back to the start of the array only once the dropped ones
// outnumber them, so a step neither allocates nor copies for each ending.
func (g *Gateway) completeUntil(st *fnState, t time.Time, tl *tally) {
	i := st.ended
	for i < len(st.running) && !st.running[i].doneAt.After(t) {
		b := st.running[i]
		tl.complete(b.count, b.latency)
		st.inflight -= b.count
		i++
	}
	st.ended = i
	if st.ended > len(st.running)-st.ended {
		st.running = st.running[:copy(st.running, st.running[st.ended:])]
		st.ended = 0
	}
}

// wakeRetrySpan is how long a call whose scale from zero fails keeps
// retrying it before the gateway answers 500: SetScaleRetries (20) tries
// FunctionPollInterval (100 ms) apart.
const wakeRetrySpan = 20 * 100 * time.Millisecond

// expireWaiting ends the waiting requests whose wait is over.
//
// A request that waited ColdStartTimeout is forwarded anyway, as the gateway
// does when its polling runs out: it is counted as started (the started
// event follows the wait) and, with no endpoint to reach, ends at once as a
// proxy error, code 502.
//
// A request whose scale from zero failed (it arrived at or after
// st.wakeFailedAt, and no ask has succeeded since) is answered 500 by the
// gateway's scaling handler once its retries are spent (wakeRetrySpan after
// it arrived), before the proxy: it is dropped uncounted. Each call retries
// on its own (the gateway merges only the lookups), so each has its own
// span. Forwarding them instead counted them started and 502 (a review's
// finding), activity a real gateway never reports.
func (g *Gateway) expireWaiting(name string, st *fnState, now time.Time) {
	// The failed ones are a suffix of waiting: any ask that succeeded, or a
	// read of replicas > 0, clears wakeFailedAt for all that wait.
	failed := len(st.waiting)
	if !st.wakeFailedAt.IsZero() {
		failed = sort.Search(len(st.waiting), func(i int) bool { return !st.waiting[i].at.Before(st.wakeFailedAt) })
	}
	spent := failed
	for spent < len(st.waiting) && now.Sub(st.waiting[spent].at) >= wakeRetrySpan {
		spent++
	}
	st.waiting = slices.Delete(st.waiting, failed, spent)
	if failed == len(st.waiting) {
		st.wakeFailedAt = time.Time{} // no failed call left to retry for
	}

	n := 0
	for n < failed && now.Sub(st.waiting[n].at) >= g.cfg.ColdStartTimeout {
		a := st.waiting[n]
		g.metrics.started(name, a.count)
		g.metrics.complete(name, "502", a.count, 0) // the forward fails at once; the wait is not in it
		n++
	}
	st.waiting = append(st.waiting[:0], st.waiting[n:]...)
}

// lookupFactorOK says whether the gateway's replica lookup takes the
// function's com.openfaas.scale.factor: absent or not an integer (the
// default then), or 1 to 100.
func lookupFactorOK(labels map[string]string) bool {
	v, ok := labels["com.openfaas.scale.factor"]
	if !ok {
		return true
	}
	n, err := strconv.Atoi(v)
	return err != nil || (n >= 1 && n <= 100)
}

// scaleFromZero asks the provider for max(min, 1) replicas, as the
// gateway's scaling handler does for a call that finds replicas == 0. Its
// error is the caller's: the calls that asked fail if it persists.
func (g *Gateway) scaleFromZero(ctx context.Context, ref provider.Ref, fn provider.Function) error {
	want := uint64(1)
	if v, err := strconv.ParseUint(fn.Labels["com.openfaas.scale.min"], 10, 64); err == nil && v > 0 {
		want = v
	}
	if err := g.cfg.Provider.Scale(ctx, ref, want); err != nil {
		g.cfg.Logger.Warn("gateway: scale from zero", "function", ref.String(), "err", err)
		return err
	}
	g.cfg.Logger.Info(fmt.Sprintf("gateway: scale from zero %s → %d", ref, want))
	return nil
}

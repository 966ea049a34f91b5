package keepalive

import (
	"math"
	"sort"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func (p *Policy) push(h *history, it time.Duration, n int) {
	v := p.idleValue(it)
	j := h.next
	last := len(h.e) // the last rank once it is free
	if len(h.e) == 0 || p.mayGrow(h) {
		j = len(h.e)
		h.e = append(growIdleTimes(h.e, p.growthLimit(h)), idleTime{it: v, w: weightOf(n)})
		p.idleTimes++
	} else {
		// The oldest leaves its place in the order before it is replaced,
		// and the busy stretches fade with it (history.busyCalls).
		last--
		fade := 1 - 1/float32(len(h.e))
		h.busyCalls, h.busySecs = h.busyCalls*fade, h.busySecs*fade
		h.shiftRanks(h.place(j), last)
		h.e[j].it, h.e[j].w = v, weightOf(n)
		h.next = (h.next + 1) % len(h.e)
	}
	k := h.place(j) // among the others: the last rank is free
	h.shiftRanks(last, k)
	h.e[k].rank = uint16(j)
	if h.added < math.MaxUint32 {
		h.added++
	}
}

// idleValue is idle time it as a ring holds it: seconds, +Inf past the
// horizon ("did not come back"; the horizon itself is learned).
func (p *Policy) idleValue(it time.Duration) float32 {
	if it > p.cfg.Horizon {
		return float32(math.Inf(1))
	}
	return float32(it.Seconds())
}

// orderKey is position j's key in the order: a non-negative float32's bits
// order as its value (+Inf last), and the position breaks ties.
func (h *history) orderKey(j int) uint64 {
	return uint64(math.Float32bits(h.e[j].it))<<32 | uint64(j)
}

// place is where position j's key belongs among order's first len-1
// entries (where it is, when it is there).
func (h *history) place(j int) int {
	kj := h.orderKey(j)
	return sort.Search(len(h.e)-1, func(k int) bool { return h.orderKey(int(h.e[k].rank)) >= kj })
}

// Observe records an invocation of ref that started at at. Invocations must
// come in time order per function; an earlier one is ignored.
func (p *Policy) Observe(ref provider.Ref, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.get(ref)
	if h.seen {
		if at.Before(h.last) {
			return
		}
		if !h.last.Before(p.unknownTo) && !h.lastLate { // not across unknown activity (Unknown, a late count)
			p.push(h, at.Sub(h.last), 1)
		}
	} else {
		p.noteFirst(ref, at, 0, 1)
	}
	h.seen, h.last, h.slack, h.lastLate, h.tail = true, at, 0, false, 0
}

// ObserveCount records n invocations counted in the interval of length step
// ending at end, as a counter scraped every step (or a Prometheus range
// query with that step) shows them: one idle time, from the previous
// invocation to the first of these (the middle of the first of n even
// slots), weighing n — a cold start at its end would be paid by the n
// requests of the step (all of them for a burst; an upper bound when they
// are spread out). A step that follows an active step adds no idle time.
// The gaps between the n are not idle times either: a step
// cannot tell them, and as n-1 tiny idle times they would fill the history
// with one busy step and push out the gaps between steps that a keep-alive
// is chosen on. This is how the live feeder and the rebuild from history
// after a restart learn.
func (p *Policy) ObserveCount(ref provider.Ref, end time.Time, step time.Duration, n int) {
	p.observeCount(ref, end, step, n, false)
}

// ObserveLateCount records n invocations counted in the step ending at end
// that were started at some unknown time before it (metricsource.Count's
// Late: the function's counter was missing from the reads for a while, its
// gateway not scraped, and its calls were counted when it was read
// again). They are the function's last invocations as ObserveCount's are,
// but they end no idle time, and the one they start is not learned either:
// both would be measured from a time that is only a bound (missing is not
// zero).
func (p *Policy) ObserveLateCount(ref provider.Ref, end time.Time, step time.Duration, n int) {
	p.observeCount(ref, end, step, n, true)
}

func (p *Policy) observeCount(ref provider.Ref, end time.Time, step time.Duration, n int, late bool) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.get(ref)
	start := end.Add(-step)
	// A step right after an active one continues the same busy stretch:
	// the gap between them is under a step, which no keep-alive the idler
	// can act on would miss. Pushed as an idle time, an hour of steady
	// traffic would fill the history with such gaps and push out the lulls
	// a keep-alive is chosen on.
	// Nor is an idle time learned across a span of unknown activity
	// (Unknown): the function may have been called in it.
	known := h.seen && !late && !h.lastLate && !h.last.Before(p.unknownTo)
	ends := known && endsIdleTime(h.last, h.tailLen(), start, step)
	if ends {
		p.push(h, firstOfStep(start, step, n).Sub(h.last), n)
	}
	// The last of the n is placed in the last slot, for the idle time it
	// will start; it may have been anywhere in the step, so the pre-warm
	// window is timed from the step's start (slack): placed mid-step, a
	// call early in its step was pre-warmed up to half a step late, and a
	// timer relearned at the rebuild's 1 m steps 1 s before its call
	// instead of MinLead.
	if !h.seen && !late {
		p.noteFirst(ref, start, step, n)
	}
	if last := start.Add(step - step/time.Duration(2*n)); !h.seen || last.After(h.last) {
		switch {
		case ends: // the idle time weighs the n; the rest of the step is busy
			h.busy(0, last.Sub(firstOfStep(start, step, n)))
		case known: // the same busy stretch goes on
			h.busy(n, last.Sub(h.last))
		}
		h.seen, h.last, h.slack, h.lastLate, h.tail = true, last, last.Sub(start), late, tailOf(end.Sub(last))
	}
}

// busy adds n calls and d of a busy stretch that no idle time holds. The
// rate that prices a cold start counted only the calls that end idle
// times, over the idle times alone: a function busy an hour (240 calls)
// and then idle for hours read as called 0.2 times an hour, not 35, and
// kept a replica for about an hour per cycle to spare one call in 240.
func (h *history) busy(n int, d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.busyCalls += float32(n)
	h.busySecs += float32(d.Seconds())
}

// firstOfStep is where the first of n calls counted in the step of length
// step from start is placed: the middle of the first of n even slots (start
// itself for a call seen exactly, step 0).
func firstOfStep(start time.Time, step time.Duration, n int) time.Time {
	if step <= 0 {
		return start
	}
	return start.Add(step / time.Duration(2*max(n, 1)))
}

// endsIdleTime says whether calls counted in the step of length step from
// start end an idle time begun by a call at last, counted in a step that
// ended tail after it (0: a call seen at its time): not when the step
// follows an active one, which continues the same busy stretch
// (observeCount). A step follows a counted call's when it starts where that
// call's step ended (within adjacency, for a ticker's jitter and the
// feeder's millisecond windows); a call seen at its time, when it starts
// under a step after it. Compared with the step at hand alone, a late
// read's longer window, or a step after one, took a busy stretch's next
// step for the end of an idle time, or a lull's end for a busy step (a
// review's finding).
func endsIdleTime(last time.Time, tail time.Duration, start time.Time, step time.Duration) bool {
	if tail <= 0 {
		return !start.Before(last) && start.Sub(last) >= step
	}
	return start.Sub(last.Add(tail)) >= min(adjacency, step/4)
}

// adjacency is how far apart two steps' ends and starts may be and still
// follow each other: a feeder's windows are rounded to the millisecond and
// its ticks jitter; an empty step between two is a whole step.
const adjacency = time.Second

// tailLen is h.tail as a duration.
func (h *history) tailLen() time.Duration { return time.Duration(h.tail) * time.Millisecond }

// tailOf is a step's end's distance after the call placed in it, for
// history.tail: at least 1 ms (0 is a call seen at its time), at most
// what a uint32 holds.
func tailOf(d time.Duration) uint32 {
	return uint32(min(max(d.Milliseconds(), 1), math.MaxUint32))
}

// Unknown records that the invocations of every function up to end are not
// known: the feeder could not read a step. The next invocation seen after it then starts a new idle time
// instead of ending one that began before it: an idle time measured across
// the gap would read "unknown" as "no invocations" (missing is not zero).
//
// Only learning stops at the gap; the last invocation seen still places
// the plans' windows (Plan, KeepAlive, Due). Forgetting it would withdraw
// every pending pre-warm, and the pre-warm windows the idler keeps, at
// each blip of the metrics, and a function still at zero after the gap
// had no call in it (a call would have woken it). One time for all
// functions, so a gap costs no pass over them.
func (p *Policy) Unknown(end time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if end.After(p.unknownTo) {
		p.unknownTo = end
	}
}

package peers

import (
	"math"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// Hybrid is the hybrid histogram policy of Shahrad et al., "Serverless in
// the Wild", USENIX ATC 2020, §4.2, per function:
//
//   - idle times (IT) between invocations go into a histogram of Range (4 h)
//     with Bin (1 min) bins; ITs beyond the range are out-of-bounds (OOB);
//   - pre-warm window = 5th-percentile IT − 10 %; keep-alive until the
//     99th-percentile IT + 10 %; with a pre-warm window the replica is
//     unloaded after the invocation and loaded again at the pre-warm point;
//   - not representative (fewer than MinSamples ITs, or a coefficient of
//     variation of the bin counts below CVThreshold) → standard keep-alive:
//     no pre-warm, keep alive for the whole range;
//   - mostly OOB (share > OOBThreshold): the paper predicts the next IT with
//     ARIMA. We do not fit ARIMA; we predict the next IT as the median of the
//     last OOBHistory OOB idle times and use the paper's window around it:
//     pre-warm at prediction − 15 %, keep alive to prediction + 15 %.
//
// CV and OOB thresholds are the DSLab reference implementation's (2.0, 0.5);
// the paper does not publish them. Extra replicas for concurrent requests
// are started on demand and kept for the same keep-alive window.
type Hybrid struct {
	Range, Bin                time.Duration
	HeadPct, TailPct          float64
	Margin, OOBMargin         float64
	CVThreshold, OOBThreshold float64
	MinSamples, OOBHistory    int
}

// DefaultHybrid returns the paper's parameters.
func DefaultHybrid() Hybrid {
	return Hybrid{Range: 4 * time.Hour, Bin: time.Minute, HeadPct: 0.05, TailPct: 0.99, Margin: 0.10,
		OOBMargin: 0.15, CVThreshold: 2, OOBThreshold: 0.5, MinSamples: 10, OOBHistory: 5}
}

func (Hybrid) Name() string { return "hybrid-histogram" }

func (h Hybrid) NewController(fn sim.FunctionInfo, _ time.Time) sim.Controller {
	n := int(h.Range / h.Bin)
	return &hybridCtl{h: h, c: fn.Concurrency, bins: make([]int, n)}
}

// Windows says, after an invocation, when to load the function again
// (PreWarm; 0 = keep it loaded) and until when to keep it (KeepAlive, from
// the invocation), with the reason code.
type Windows struct {
	PreWarm, KeepAlive time.Duration
	Reason             string
}

type hybridCtl struct {
	h         Hybrid
	c         int
	bins      []int
	inRange   int
	oob       int
	oobRecent []time.Duration
	last      time.Time
	seen      bool
	win       Windows
	extra     demand
	loadAt    time.Time // pre-warm point, zero when none pending
	unloadAt  time.Time
	sumSq     float64 // Σ bin², kept so the CV costs O(1)
	sinceWin  int     // first-bin idle times since the windows were computed
	prevLast  time.Time
	haveWin   bool
}

// observe adds one idle time.
func (c *hybridCtl) observe(it time.Duration) {
	if it >= c.h.Range {
		c.oob++
		c.oobRecent = append(c.oobRecent, it)
		if len(c.oobRecent) > c.h.OOBHistory {
			c.oobRecent = c.oobRecent[1:]
		}
		return
	}
	b := int(it / c.h.Bin)
	c.sumSq += float64(2*c.bins[b] + 1)
	c.bins[b]++
	c.inRange++
}

// binCV is the coefficient of variation of the bin counts.
func (c *hybridCtl) binCV() float64 {
	n := float64(len(c.bins))
	mean := float64(c.inRange) / n
	if mean == 0 {
		return 0
	}
	return math.Sqrt(math.Max(0, c.sumSq/n-mean*mean)) / mean
}

// windows computes the policy's windows from the histogram.
func (c *hybridCtl) windows() Windows {
	total := c.inRange + c.oob
	if total < c.h.MinSamples {
		return Windows{KeepAlive: c.h.Range, Reason: "too_few_samples"}
	}
	if float64(c.oob)/float64(total) > c.h.OOBThreshold && len(c.oobRecent) > 0 {
		s := slices.Clone(c.oobRecent)
		slices.Sort(s)
		pred := s[len(s)/2]
		return Windows{PreWarm: scale(pred, 1-c.h.OOBMargin), KeepAlive: scale(pred, 1+c.h.OOBMargin), Reason: "oob_predicted"}
	}
	if c.binCV() < c.h.CVThreshold {
		return Windows{KeepAlive: c.h.Range, Reason: "not_representative"}
	}
	head := c.percentileBin(c.h.HeadPct)
	tail := c.percentileBin(c.h.TailPct) + 1 // a bin's upper edge
	pw := scale(time.Duration(head)*c.h.Bin, 1-c.h.Margin)
	ka := scale(time.Duration(tail)*c.h.Bin, 1+c.h.Margin)
	return Windows{PreWarm: pw, KeepAlive: ka, Reason: "histogram"}
}

func (c *hybridCtl) percentileBin(q float64) int {
	rank := int(math.Ceil(q * float64(c.inRange)))
	seen := 0
	for i, n := range c.bins {
		seen += n
		if seen >= max(rank, 1) {
			return i
		}
	}
	return len(c.bins) - 1
}

func scale(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }

func (c *hybridCtl) Arrival(now time.Time, s sim.State) sim.Decision {
	c.prevLast = c.last
	if c.seen {
		c.observe(now.Sub(c.last))
	}
	c.seen, c.last = true, now
	// Recomputing the windows costs O(bins), too much on every one of a
	// busy function's invocations: they are recomputed on every longer idle
	// time, on every 64th short one, and on every short one while there is
	// a pre-warm window. Idle times in the first bin only lower the
	// percentiles: the tail by little, but the head drops to the first bin
	// (no pre-warm) once they are 5 % of them, and a kept pre-warm window
	// unloaded the replica after each call of a burst (each one cold).
	// sinceWin counts this idle time first, so the 64th short one since
	// the windows were computed recomputes them (the 65th did).
	c.sinceWin++
	if !c.haveWin || c.sinceWin >= 64 || c.win.PreWarm > 0 || now.Sub(c.prevLast) >= c.h.Bin || c.inRange+c.oob <= c.h.MinSamples {
		c.win, c.haveWin, c.sinceWin = c.windows(), true, 0
	}
	c.extra.window = max(c.win.KeepAlive, time.Second)
	n := need(s.Inflight, s.Queued, c.c)
	c.extra.add(now, n)
	c.unloadAt = now.Add(c.win.KeepAlive)
	c.loadAt = time.Time{}
	if c.win.PreWarm > 0 {
		c.loadAt = now.Add(c.win.PreWarm)
	}
	want := max(s.Desired, n)
	return sim.Decision{Replicas: want, Wake: c.nextWake(now), Reason: c.win.Reason}
}

// nextWake: while requests may still run, check every few seconds whether
// the replica can be unloaded before the pre-warm point; otherwise wake at
// the pre-warm point or at the end of the keep-alive.
func (c *hybridCtl) nextWake(now time.Time) time.Time {
	w := c.unloadAt
	if !c.loadAt.IsZero() {
		w = minTime(now.Add(5*time.Second), c.loadAt)
	}
	if e := c.extra.next(); !e.IsZero() && e.Before(w) {
		w = e
	}
	return w
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (c *hybridCtl) Wake(now time.Time, s sim.State) sim.Decision {
	busy := (s.Inflight + s.Queued + c.c - 1) / c.c
	switch {
	case !now.Before(c.unloadAt):
		c.loadAt = time.Time{}
		return sim.Decision{Replicas: busy, Wake: c.busyWake(now, busy), Reason: "keep_alive_expired"}
	case !c.loadAt.IsZero() && !now.Before(c.loadAt):
		c.loadAt = time.Time{}
		return sim.Decision{Replicas: max(1, busy), Wake: c.unloadAt, Reason: "pre_warm"}
	case !c.loadAt.IsZero():
		// Between the invocation and the pre-warm point: unloaded once idle.
		w := c.loadAt
		if busy > 0 {
			w = c.nextWake(now)
		}
		return sim.Decision{Replicas: busy, Wake: w, Reason: "unload_until_pre_warm"}
	}
	want := max(busy, c.extra.max(now), 1)
	return sim.Decision{Replicas: want, Wake: c.nextWake(now), Reason: "warm"}
}

func (c *hybridCtl) busyWake(now time.Time, busy int) time.Time {
	if busy > 0 {
		return now.Add(5 * time.Second)
	}
	return time.Time{}
}

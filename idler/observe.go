package idler

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// observe issues one Activity query per distinct window and fills each
// candidate's observation. It returns the number of queries.
func (d *Idler) observe(ctx context.Context, ws []*work, now time.Time) int {
	byWindow, windows := d.byWindow, d.windows[:0]
	if byWindow == nil {
		byWindow = map[time.Duration][]*work{}
	}
	items := 0
	for _, w := range ws {
		if w.window > 0 {
			byWindow[w.window] = append(byWindow[w.window], w)
			items++
		}
	}
	for win, of := range byWindow {
		if len(of) > 0 { // a window of the last cycle's only: not asked
			windows = append(windows, win)
		}
	}
	slices.Sort(windows)
	defer func() {
		for win, of := range byWindow {
			if len(of) == 0 {
				delete(byWindow, win) // no window kept for good
			} else {
				clear(of) // pointing at nothing: not this cycle's items
				byWindow[win] = of[:0]
			}
		}
		d.byWindow, d.windows = byWindow, windows
		if items > keptVerdicts {
			d.byWindow, d.windows = nil, nil // a large fleet's go with the cycle
		}
	}()
	d.observedFrom = d.cfg.Clock.Now()
	for _, win := range windows {
		parts, why, reason := d.query(ctx, win, byWindow[win])
		if why != "" && ctx.Err() != nil {
			// Cut short by the term's end: no data is missing from the
			// source, and the cycle idles nothing more (act asks ctx). Not
			// counted (the missing-data alert fired at leader changes) nor
			// logged as a change of reason (the next term's first cycle
			// logged "activity known again").
			why = "stopped: the idler's term ended before the activity query was answered"
		} else {
			if why != "" {
				d.m.missingData.WithLabelValues(reason).Inc()
			}
			d.logMissing(win, why, reason, len(byWindow[win]), now)
		}
		for i, w := range byWindow[win] {
			if why != "" {
				w.in.Observation = Observation{MissingWhy: why}
				continue
			}
			w.in.Observation = observation(&parts[i], w.fn.Ref)
			rememberWake(w, &parts[i], d.sourceLag()) // issue 15, item 5: wakes from before a restart
			o := &w.in.Observation
			if o.HasStarted {
				w.st.setTimes().lastSeries = now
			} else if last := w.st.t().lastSeries; o.Known && !last.IsZero() && now.Sub(last) < metricsource.VanishLookback(win) {
				// The source has forgotten (a restarted Prometheus, a short
				// retention) but this idler saw a series: still vanished.
				*o = Observation{MissingWhy: fmt.Sprintf("the gateway's series for %s vanished (last seen %s ago): activity unknown, not zero",
					w.fn.Ref, now.Sub(last).Round(time.Second))}
			}
			if o.HasQueued {
				w.st.setTimes().lastQueue = now.UnixNano()
			} else if lq := w.st.t().lastQueue; o.Known && lq != 0 && now.Sub(time.Unix(0, lq)) < metricsource.VanishLookback(win) {
				// As for a vanished series: read before, missing now is
				// unknown, not an empty queue (5 messages waiting one
				// cycle, a consumer recreated the next, and the function
				// was idled with them waiting: a review's finding).
				*o = Observation{MissingWhy: fmt.Sprintf("the queue reading for %s vanished (last read %s ago): backlog unknown, not zero",
					w.fn.Ref, now.Sub(time.Unix(0, lq)).Round(time.Second))}
			}
			if o.Started > 0 || o.Inflight > 0 || o.Queued > 0 {
				w.st.setTimes().lastActive = now
			}
		}
	}
	return len(windows)
}

// logMissing logs a window's missing activity once per change of reason
// (issue 15, item 8: a WARN every cycle while the gateway was not yet
// observed), and once when it is known again. Coverage missing within a
// window (and startGrace) of the start is what a start looks like (the
// embedded source's first scrapes, a Prometheus deployed beside the
// controller): INFO, and a WARN only if it is still missing after that.
func (d *Idler) logMissing(win time.Duration, why, reason string, functions int, now time.Time) {
	if reason == missingNotCovered && !d.cycleStarted.IsZero() && now.Sub(d.cycleStarted) < win+startGrace {
		reason = notCoveredYet
	}
	prev := d.missingLogged[win]
	switch {
	case reason == prev:
		if why != "" {
			d.log.Debug("no function idled for this keep-alive: activity still unknown", "window", win, "why", why)
		}
		return
	case why == "" && prev == notCoveredYet:
		d.log.Info("activity known: idling starts for this keep-alive", "window", win, "functions", functions)
	case why == "":
		d.log.Info("activity known again: idling resumes for this keep-alive", "window", win, "functions", functions)
	case reason == notCoveredYet:
		d.log.Info("no function idled yet for this keep-alive: the source has not observed the gateway for a whole window since the start",
			"window", win, "functions", functions, "started", d.cycleStarted.Format(time.RFC3339), "why", why)
	default:
		d.log.Warn("no function idled for this keep-alive: activity unknown", "window", win,
			"functions", functions, "why", why)
	}
	if d.missingLogged == nil {
		d.missingLogged = map[time.Duration]string{}
	}
	d.missingLogged[win] = reason
}

// notCoveredYet is logMissing's reason for coverage missing within a window
// of the start (not a metric label: the metric counts it as not_covered).
const notCoveredYet = "not_covered_since_start"

// startGrace is how long past a window after the start coverage may still
// be missing before logMissing calls it a WARN: a few scrape intervals and
// idle cycles for the first scrape at or before the window's start.
const startGrace = time.Minute

// query asks the source for activity over win of the functions ws (a
// source that can answer for a few functions only answers for those, in
// their order where it can: metricsource.ActivityAligned). parts[i] is
// ws[i]'s, valid until the next query. A non-empty why means the data
// cannot be used (reason is the metric label value).
func (d *Idler) query(ctx context.Context, win time.Duration, ws []*work) (parts []metricsource.FunctionActivity, why, reason string) {
	c := ctx
	// A local source answers from memory; one that bounds its calls itself
	// (Prometheus: prometheus.timeout a read) is not cut at CallTimeout,
	// the actuator's write deadline (metricsource.Bounded says why).
	if !metricsource.IsLocal(d.cfg.Source) && !metricsource.BoundsItsCalls(d.cfg.Source) {
		var cancel context.CancelFunc
		c, cancel = d.callCtx(ctx)
		defer cancel()
	}
	refs := d.refs[:0]
	for _, w := range ws {
		refs = append(refs, w.fn.Ref)
	}
	act, parts, err := metricsource.ActivityAligned(c, d.cfg.Source, win, refs, d.parts)
	clear(refs) // kept pointing at nothing: not this cycle's names
	d.refs, d.parts = refs, parts
	if len(refs) > keptVerdicts {
		d.refs, d.parts = nil, nil // a large fleet's arrays go with the cycle
	}
	switch {
	case err != nil:
		return parts, "activity query failed: " + err.Error(), missingSourceError
	case !act.Covered:
		why := fmt.Sprintf("the source has not observed the gateway for the whole %s", win)
		if act.Uncovered != "" {
			why += ": " + act.Uncovered
		}
		return parts, why, missingNotCovered
	}
	return parts, "", ""
}

func observation(p *metricsource.FunctionActivity, ref provider.Ref) Observation {
	if p.Vanished {
		// Series seen before and missing now: the gateway restarted or
		// stopped exporting them. Unknown, never "no invocation".
		return Observation{MissingWhy: fmt.Sprintf("the gateway's series for %s vanished from the source: activity unknown, not zero", ref)}
	}
	// A reading that is no amount (NaN, ±Inf; a negative count of calls
	// started or queued) says nothing, and compared with "> 0" it read as
	// quiet: missing, as the scaler takes such a load. A negative in-flight
	// reading stays (the embedded source's calls started and not ended,
	// whose counters its scrapes can read apart: nothing in flight).
	for _, r := range [...]struct {
		what   string
		v      float64
		has    bool
		signed bool
	}{{"calls started", p.Started, p.HasStarted, false}, {"calls in flight", p.Inflight, p.HasInflight, true},
		{"queued work", p.Queued, p.HasQueued, false}} {
		if r.has && (math.IsNaN(r.v) || math.IsInf(r.v, 0) || (!r.signed && r.v < 0)) {
			return Observation{MissingWhy: fmt.Sprintf("the source's reading of %s for %s is %v, no amount: activity unknown, not zero", r.what, ref, r.v)}
		}
	}
	return Observation{Known: true, Started: p.Started, HasStarted: p.HasStarted, Inflight: p.Inflight,
		HasInflight: p.HasInflight, Queued: p.Queued, HasQueued: p.HasQueued}
}

// recheck asks once more, over the shortest candidate window, or longer
// when the queries took longer (below), and drops any candidate that shows
// activity, or all of them when the answer is unusable. It also asks the
// scaler again, since it may have just scaled one up.
func (d *Idler) recheck(ctx context.Context, idle []*work, now time.Time) {
	win := idle[0].window
	for _, w := range idle {
		win = min(win, w.window)
	}
	// The window reaches back to before the first query, by the shortest
	// window the source covers (the scrape a call before it waited for), so
	// that a call made after its function's own query is in the re-check:
	// the windows are asked one after another, and on a slow Prometheus
	// they took longer than the shortest keep-alive, a function with a 1 h
	// one was idled 24 s after a call (its own query had come before it, the
	// re-check's 20 s window began after it).
	if el := d.cfg.Clock.Now().Sub(d.observedFrom); el > 0 {
		win = max(win, el.Truncate(time.Second)+time.Second+d.coveredFloor)
	}
	parts, why, reason := d.query(ctx, win, idle)
	if why != "" && ctx.Err() != nil {
		// Cut short by the term's end (nothing is scaled after it): an
		// orderly stop, not the source failing.
		why = "stopped: the idler's term ended before the re-check was answered"
	} else if why != "" {
		d.m.missingData.WithLabelValues(missingRecheckError).Inc()
		d.log.Warn("re-check before scaling to zero failed: nothing idled", "why", why, "reason", reason)
	}
	for i, w := range idle {
		if why != "" {
			w.v = Verdict{Code: CodeMissingData, Reason: "re-check: " + why}
			continue
		}
		o := observation(&parts[i], w.fn.Ref)
		if !o.Known {
			w.v = Verdict{Code: CodeMissingData, Reason: "re-check: " + o.MissingWhy}
			continue
		}
		// A wake from zero the source shows only now (the gateway's replica
		// poll scraped between the two queries) is evidence as much as an
		// invocation: one the idler never listed at zero (woken before a
		// restart, or zeroed by someone else and woken between two cycles)
		// has requests waiting for its replica that have not started yet.
		before := w.st.t().wokenAt
		rememberWake(w, &parts[i], d.sourceLag())
		woken := !w.st.t().wokenAt.Equal(before)
		active := o.Started > 0 || o.Inflight > 0 || o.Queued > 0
		if active {
			// Only positive evidence counts: a series missing from the
			// shorter window proves nothing new.
			w.in.Observation = o
			w.st.setTimes().lastActive = now
		}
		if active || woken {
			w.v = Decide(w.input(now, d.cycleWakes), now)
			w.v.Reason = "re-check: " + w.v.Reason
			continue
		}
		if d.cfg.RecentScaleUp != nil {
			w.in.LastScaleUp = d.cfg.RecentScaleUp(w.fn.Ref)
			w.v = Decide(w.input(now, d.cycleWakes), now)
		}
	}
}

package idler

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// observe issues one Activity query per distinct window and fills each
// candidate's observation. It returns the number of queries.
func (d *Idler) observe(ctx context.Context, ws []*work, now time.Time) int {
	byWindow := map[time.Duration][]*work{}
	for _, w := range ws {
		if w.window > 0 {
			byWindow[w.window] = append(byWindow[w.window], w)
		}
	}
	windows := make([]time.Duration, 0, len(byWindow))
	for win := range byWindow {
		windows = append(windows, win)
	}
	slices.Sort(windows)
	for _, win := range windows {
		act, why, reason := d.query(ctx, win, byWindow[win])
		if why != "" {
			d.m.missingData.WithLabelValues(reason).Inc()
		}
		d.logMissing(win, why, reason, len(byWindow[win]))
		for _, w := range byWindow[win] {
			if why != "" {
				w.in.Observation = Observation{MissingWhy: why}
				continue
			}
			w.in.Observation = observation(act, w.fn.Ref)
			rememberWake(w, act) // issue 15, item 5: wakes from before a restart
			o := &w.in.Observation
			if o.HasStarted {
				w.st.setTimes().lastSeries = now
			} else if last := w.st.t().lastSeries; o.Known && !last.IsZero() && now.Sub(last) < metricsource.VanishLookback(win) {
				// The source has forgotten (a restarted Prometheus, a short
				// retention) but this idler saw a series: still vanished.
				*o = Observation{MissingWhy: fmt.Sprintf("the gateway's series for %s vanished (last seen %s ago): activity unknown, not zero",
					w.fn.Ref, now.Sub(last).Round(time.Second))}
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
// observed), and once when it is known again.
func (d *Idler) logMissing(win time.Duration, why, reason string, functions int) {
	prev := d.missingLogged[win]
	switch {
	case reason == prev:
		if why != "" {
			d.log.Debug("no function idled for this keep-alive: activity still unknown", "window", win, "why", why)
		}
		return
	case why == "":
		d.log.Info("activity known again: idling resumes for this keep-alive", "window", win, "functions", functions)
	default:
		d.log.Warn("no function idled for this keep-alive: activity unknown", "window", win,
			"functions", functions, "why", why)
	}
	if d.missingLogged == nil {
		d.missingLogged = map[time.Duration]string{}
	}
	d.missingLogged[win] = reason
}

// query asks the source for activity over win of the functions ws (a
// source that can answer for a few functions only answers for those). A
// non-empty why means the data cannot be used (reason is the metric label
// value).
func (d *Idler) query(ctx context.Context, win time.Duration, ws []*work) (act metricsource.Activity, why, reason string) {
	c, cancel := d.callCtx(ctx)
	defer cancel()
	var err error
	if src, ok := d.cfg.Source.(metricsource.SubsetActivity); ok {
		refs := make([]provider.Ref, len(ws))
		for i, w := range ws {
			refs[i] = w.fn.Ref
		}
		act, err = src.ActivityFor(c, win, refs)
	} else {
		act, err = d.cfg.Source.Activity(c, win)
	}
	switch {
	case err != nil:
		return act, "activity query failed: " + err.Error(), missingSourceError
	case !act.Covered:
		why := fmt.Sprintf("the source has not observed the gateway for the whole %s", win)
		if act.Uncovered != "" {
			why += ": " + act.Uncovered
		}
		return act, why, missingNotCovered
	}
	return act, "", ""
}

func observation(act metricsource.Activity, ref provider.Ref) Observation {
	if act.Vanished[ref] {
		// Series seen before and missing now: the gateway restarted or
		// stopped exporting them. Unknown, never "no invocation".
		return Observation{MissingWhy: fmt.Sprintf("the gateway's series for %s vanished from the source: activity unknown, not zero", ref)}
	}
	o := Observation{Known: true}
	o.Started, o.HasStarted = act.Started[ref]
	if act.Inflight != nil {
		o.Inflight, o.HasInflight = act.Inflight[ref]
	}
	if act.Queued != nil {
		o.Queued, o.HasQueued = act.Queued[ref]
	}
	return o
}

// recheck asks once more, over the shortest candidate window (which still
// covers the time since the first query), and drops any candidate that shows
// activity, or all of them when the answer is unusable. It also asks the
// scaler again, since it may have just scaled one up.
func (d *Idler) recheck(ctx context.Context, idle []*work, now time.Time) {
	win := idle[0].window
	for _, w := range idle {
		win = min(win, w.window)
	}
	act, why, reason := d.query(ctx, win, idle)
	if why != "" {
		d.m.missingData.WithLabelValues(missingRecheckError).Inc()
		d.log.Warn("re-check before scaling to zero failed: nothing idled", "why", why, "reason", reason)
	}
	for _, w := range idle {
		if why != "" {
			w.v = Verdict{Code: CodeMissingData, Reason: "re-check: " + why}
			continue
		}
		o := observation(act, w.fn.Ref)
		if act.Vanished[w.fn.Ref] {
			w.v = Verdict{Code: CodeMissingData, Reason: "re-check: " + o.MissingWhy}
			continue
		}
		if o.Started > 0 || o.Inflight > 0 || o.Queued > 0 {
			// Only positive evidence counts: a series missing from the
			// shorter window proves nothing new.
			w.in.Observation = o
			w.st.setTimes().lastActive = now
			w.v = Decide(w.input(), now)
			w.v.Reason = "re-check: " + w.v.Reason
			continue
		}
		if d.cfg.RecentScaleUp != nil {
			w.in.LastScaleUp = d.cfg.RecentScaleUp(w.fn.Ref)
			w.v = Decide(w.input(), now)
		}
	}
}

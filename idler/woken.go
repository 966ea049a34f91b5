package idler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// rememberWake takes a wake from zero the source saw within the window (the
// gateway's replica count at zero, then above) as if this idler had seen it
// live: the later of the two times guards the keep-alive. An idler that
// has just started (a restart, a failover) has seen no listing at zero, so
// without this a function the gateway woke a second before the restart was
// idled as soon as its replica was ready (issue 15, item 5: 5.9 s after the
// wake). The source's time is an upper bound on the wake, so the guard
// never ends before the keep-alive since the wake has passed.
//
// A raise that was no wake (fnTimes.raisedAt: the idler's restore, a raise
// for a scheduled minimum) shows in the source as one, up to lag (a
// gateway poll and a scrape: Idler.sourceLag) after it: a wake the source
// dates no later than that is that raise, not a wake. Taken as one, it
// held a function a keep-alive past the end of its scheduled minimum.
func rememberWake(w *work, p *metricsource.FunctionActivity, lag time.Duration) {
	at := p.Woken
	if at.IsZero() || w.fn.Replicas == 0 || !at.After(w.st.t().wokenAt) {
		return
	}
	if r := w.st.t().raisedAt; r != 0 && !at.After(time.Unix(0, r).Add(lag)) {
		return
	}
	w.st.setTimes().wokenAt = at
	w.st.wakeUnsure = false // a wake the source saw
}

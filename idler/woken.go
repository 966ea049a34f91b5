package idler

import "github.com/faas-autoscaler/faas-autoscaler/metricsource"

// rememberWake takes a wake from zero the source saw within the window (the
// gateway's replica count at zero, then above) as if this idler had seen it
// live: the later of the two times guards the keep-alive. An idler that
// has just started (a restart, a failover) has seen no listing at zero, so
// without this a function the gateway woke a second before the restart was
// idled as soon as its replica was ready (issue 15, item 5: 5.9 s after the
// wake). The source's time is an upper bound on the wake, so the guard
// never ends before the keep-alive since the wake has passed.
func rememberWake(w *work, p *metricsource.FunctionActivity) {
	at := p.Woken
	if at.IsZero() || w.fn.Replicas == 0 || !at.After(w.st.t().wokenAt) {
		return
	}
	w.st.setTimes().wokenAt = at
	w.st.wakeUnsure = false // a wake the source saw
}

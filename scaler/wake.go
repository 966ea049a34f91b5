package scaler

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// wakeFromZero decides for a function at zero replicas: stay there unless it
// has load (or a scheduled minimum); then wake to what the load needs, at
// least max(min, 1). No rate limit applies: there is nothing to overshoot from.
//
// A wake on load records what the load needs in the down window, as every
// scale-up on the freshest evidence does: the stable average lags the step
// that woke the function by up to its whole window, and without the wake's
// recommendation the next evaluation scaled down on it at once, and burst
// mode raised the count again (0 → 10 → 5 → 10). What is recorded is the
// load's need, not the floor (the floor holds by itself, and the window
// remembers loads); a need read from a firing alert's load expires after
// one stable window like any alert's recommendation, so a webhook's number
// holds nothing for long that Prometheus does not confirm.
func wakeFromZero(spec *Spec, obs *Observation, d Decision, load *float64, per float64, target string, now time.Time) Decision {
	firing := obs.Signal != nil && obs.Signal.Status == Firing
	// Only fresh evidence wakes a function at zero: the burst window (or a
	// firing alert's reading). The stable average still holds the load the
	// function had before it was idled, and waking on it undid every idle
	// whose keep-alive was shorter than the stable window.
	need := replicasFor(derefOr(obs.BurstLoad, 0), per)
	d.Evidence = obs.BurstWindow
	if obs.BurstLoad == nil {
		// No short-window reading (missing, not zero): the stable one, with
		// its age, so the actuator can tell it from load before an idle.
		need, d.Evidence = replicasFor(derefOr(load, 0), per), obs.StableWindow
	}
	if spec.Type == metricsource.TypeQueue {
		// A queue reading is the backlog now, not an average over a
		// window: messages queued 2 s after an idle are no load from
		// before it, and with a window's age the actuator dropped their
		// wake as stale evidence for a burst window (a review's finding).
		d.Evidence = 0
	}
	// decideTarget puts a firing alert's load in BurstLoad whenever it is
	// the freshest reading (always when the source has none).
	fromAlert := obs.Signal != nil && obs.Signal.Load != nil && obs.BurstLoad == obs.Signal.Load
	if fromAlert {
		// The alert's own reading, but over its rule's window: the
		// generated at-zero alert compares the load record (the rules'
		// window, within the stable window at the defaults), which holds
		// the calls from before an idle, or a cpu function's removed pod's
		// CPU, for a window after it, and fires at once. Its evidence
		// reaches back that far, so the actuator drops a wake on it that
		// the idle already judged: taken as fresh (0), every cpu function
		// idled was woken again within seconds.
		d.Evidence = obs.StableWindow
	}
	// Below the queue's activation threshold the function stays at zero,
	// a firing alert's wake included: the generated at-zero alert fires on
	// any load above 0 and carries it, so a backlog of one message woke the
	// function the loop left at zero, and the activation label did nothing.
	// A firing alert with no usable load (CE's) still wakes it, as it
	// does an empty queue: the hold applies to an alert only when its own
	// load is what the threshold judges (a backlog of 3 under a threshold
	// of 5 left at zero on the CE alert that woke it with none queued: a
	// review's finding).
	held := need > 0 && belowActivation(*spec, load, obs.BurstLoad)
	if held {
		need = 0
	}
	alertLoad := firing && loadOrNil(obs.Signal.Load) != nil &&
		(obs.Signal.ScalingType == "" || obs.Signal.ScalingType == spec.Type)
	if need == 0 && (!firing || held && alertLoad) {
		d.Evidence = 0 // queued work is counted now
		if qd, ok := wakeForBacklog(*spec, *obs, d); ok {
			return qd
		}
		if obs.ScheduledMin > 0 {
			v, code, why, _ := clamp(spec, obs, 0)
			d.Replicas, d.Code, d.Reason = v, code, fmt.Sprintf("at zero; %s → %d", why, v)
			return d
		}
		d.Code, d.Reason = CodeAtZeroIdle, "at 0 replicas without recent load: left to the idler"
		if load == nil && obs.BurstLoad == nil {
			d.Reason = "at 0 replicas, load missing: left to the idler"
		} else if belowActivation(*spec, load, obs.BurstLoad) && max(derefOr(load, 0), derefOr(obs.BurstLoad, 0)) > 0 {
			d.Reason = fmt.Sprintf("at 0 replicas, queue %.4g below the activation threshold %g: left to the idler",
				max(derefOr(load, 0), derefOr(obs.BurstLoad, 0)), spec.QueueActivation)
		}
		return d
	}
	d.Recommended = need
	if need > 0 {
		r := Recommendation{At: InstantOf(now), Replicas: need}
		if fromAlert {
			r.Expires = InstantOf(now.Add(alertEvidence(*obs)))
		}
		d.Next.Recommendations = record(d.Next.Recommendations, r, spec.DownWindow)
	}
	v, _, _, _ := clamp(spec, obs, max(need, 1))
	d.Replicas, d.Code = v, CodeFromZero
	if firing && need == 0 {
		d.Evidence = 0
		d.Reason = fmt.Sprintf("at zero with a firing alert %s → %d", obs.Signal.AlertName, v)
	} else {
		// A missing reading is worded as missing, never as a load of 0.
		// The stable part is the source's own reading: load is the alert's
		// where the source has none, and the alert's number was worded as
		// what Prometheus measured ("stable 250" with no reading at all).
		burst, stable := "no load reading", "stable missing"
		if obs.StableLoad != nil {
			stable = fmt.Sprintf("stable %.4g", *obs.StableLoad)
		}
		switch {
		case fromAlert:
			d.Reason = fmt.Sprintf("at zero with load %.4g (from the alert %s; %s) over %s: needs %d → %d",
				*obs.BurstLoad, obs.Signal.AlertName, stable, target, need, v)
			return d
		case spec.Type == metricsource.TypeQueue && (obs.BurstLoad != nil || obs.StableLoad != nil):
			// A queue reading is a level now, whatever the window: worded
			// as a load over the burst window (and a "stable" part, the
			// same reading), an async wake read as ten seconds of HTTP
			// traffic that never was (reviews' findings; the stable read
			// answers when the burst window's is missing).
			backlog := obs.BurstLoad
			if backlog == nil {
				backlog = obs.StableLoad
			}
			d.Reason = fmt.Sprintf("at zero with a backlog of %.4g messages (now) over %s: needs %d → %d",
				*backlog, target, need, v)
			return d
		case obs.BurstLoad != nil:
			burst = fmt.Sprintf("load %.4g", *obs.BurstLoad)
		}
		d.Reason = fmt.Sprintf("at zero with %s over the last %s%s (%s) over %s: needs %d → %d",
			burst, obs.BurstWindow, partWords(obs.BurstPart), stable, target, need, v)
	}
	return d
}

package idler

import (
	"fmt"
	"strconv"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Code is why the idler did or did not idle a function. The set is small and
// fixed so it can be a metric label value.
type Code string

const (
	CodeIdle           Code = "idle"            // idle: scale to zero
	CodeActive         Code = "active"          // invocations started within the keep-alive
	CodeInflight       Code = "inflight"        // invocations in flight now
	CodeQueued         Code = "queued"          // asynchronous messages waiting for it (or running) in the queue
	CodeMissingData    Code = "missing_data"    // activity could not be read or proven
	CodeNotOptedIn     Code = "not_opted_in"    // no com.openfaas.scale.zero=true
	CodeInvalidLabel   Code = "invalid_label"   // a scaling label does not parse
	CodeTooYoung       Code = "too_young"       // deployed (or seen) for less than the keep-alive
	CodeAlreadyZero    Code = "already_zero"    // nothing to do
	CodeScheduledMin   Code = "scheduled_min"   // a scheduled minimum above zero is active, or starts before the idler could restore it
	CodeRecentlyScaled Code = "recently_scaled" // scaled up or woken from zero within the keep-alive, or replicas still starting
	CodeDryRun         Code = "dry_run"         // idle, but the actuator is in --dry-run
	CodeRefused        Code = "refused"         // idle, but the provider refused zero recently
	CodeOverruled      Code = "overruled"       // idle, but the actuator dropped the scale to zero (raised since, changed, not leader, …)
)

// Codes lists every Code, for pre-initialising metric label values.
var Codes = []Code{CodeIdle, CodeActive, CodeInflight, CodeMissingData, CodeNotOptedIn,
	CodeInvalidLabel, CodeTooYoung, CodeAlreadyZero, CodeScheduledMin, CodeRecentlyScaled,
	CodeDryRun, CodeRefused, CodeOverruled, CodeQueued}

// Observation is what the metrics source said about one function for the
// window the decision uses.
type Observation struct {
	// Known is false when the query for this window failed or the source had
	// not observed the gateway for the whole window; MissingWhy says which.
	Known      bool
	MissingWhy string
	// Started is the count of invocations started in the window; HasStarted is
	// false when the function has no series at all (never invoked, as far as
	// the source knows).
	Started    float64
	HasStarted bool
	// Inflight is the in-flight gauge now; HasInflight false when absent.
	Inflight    float64
	HasInflight bool
	// Queued is the asynchronous work waiting for it (or running) now;
	// HasQueued false when the source knows nothing about its queue.
	Queued    float64
	HasQueued bool
}

// Input is everything the idle decision looks at. The loop fills it; Decide
// does no I/O.
type Input struct {
	Ref      provider.Ref
	Spec     ZeroSpec
	SpecErr  error // a zero label that does not parse
	Replicas uint64
	// Available is the count of ready replicas; below Replicas means replicas
	// are starting, which someone asked for.
	Available uint64
	// LastWoken is when the idler found the function running again after it
	// was at zero (zero: not seen). A wake-up's requests wait for the replica
	// and only count as started once it serves them.
	LastWoken time.Time
	// WakeUnsure: LastWoken is a listing that found the function running
	// after a scale to zero answered with an error, which may have landed.
	WakeUnsure bool
	// UnreadySince is the first listing of the stretch in which Available
	// has been below Replicas (zero: unknown, taken as now).
	UnreadySince time.Time
	// KeepAlive is the duration to use (the label's, or the policy's for auto).
	KeepAlive time.Duration
	// HistoryPending: the keep-alive is "auto" and the history it is
	// learned from is still being read (Config.HistoryPending).
	HistoryPending bool
	// CreatedAt is the deploy time from the provider (zero when unknown);
	// FirstSeen is when this idler first listed the function.
	CreatedAt time.Time
	FirstSeen time.Time
	// LastActive is the last cycle that saw activity (zero when never).
	LastActive  time.Time
	Observation Observation
	// ScheduledMin is the active scheduled minimum; ScheduleErr a bad schedule.
	ScheduledMin   uint64
	ScheduleReason string
	ScheduleErr    error
	// ScheduledSoon words the highest scheduled minimum not active now that
	// starts before the idler's run after next ("" when none does): idled
	// now, the function would be at zero when it starts, until a later
	// cycle restored it, and a write landing after the start would be a
	// scale to zero under an active minimum. For a function at zero, the
	// one that starts by the idler's next run: the cycle raises it now, so
	// that its replicas are ready when the minimum starts.
	ScheduledSoon string
	// LastScaleUp is when the scaler last scaled the function up (zero: never).
	LastScaleUp time.Time
	// RefusedUntil: the provider refused zero and we back off until then.
	RefusedUntil time.Time
	// WakesSeenBy is when the metrics source shows every wake from zero
	// made before this idler started (zero: no such wait): the gateway
	// reports replica counts every 5 s, so a wake a few seconds before a
	// restart is not in Prometheus yet, and a function woken without a
	// request looked idle at once.
	WakesSeenBy time.Time
}

// Verdict is the idle decision. Idle is true when the function is idle; the
// loop scales it to zero only when Code is CodeIdle (dry_run and refused are
// idle too, but not acted on).
type Verdict struct {
	Idle   bool
	Code   Code
	Reason string
	// IdleSince is the earliest instant the function is known idle from
	// (now − keep-alive when the whole window was quiet); zero when not idle.
	IdleSince time.Time
	// WouldIdleAt is the earliest time it could be idled if nothing else
	// happens; zero when unknown (missing data, not opted in).
	WouldIdleAt time.Time
}

// Decide is the pure idle decision for one function at now.
func Decide(in Input, now time.Time) Verdict { return decide(&in, now, true) }

// decide is Decide; word false leaves the Reason of an active or in-flight
// verdict empty (unworded), for the cycle to word when it is read
// (explained.words): most running functions get one of the two every
// cycle, and their words (a float and a duration formatted, a string put
// together) were made for every one of them and thrown away a cycle later
// unread. Issue 12: no reason strings for functions that keep their count.
// It reads in through a pointer and changes nothing in it: an Input is
// 456 bytes, and its copy into every call cost about as much as its making
// (work.input) in the trace replay, for every running function every cycle.
func decide(in *Input, now time.Time, word bool) Verdict {
	if in.SpecErr != nil {
		return Verdict{Code: CodeInvalidLabel, Reason: in.SpecErr.Error()}
	}
	if !in.Spec.OptIn {
		return Verdict{Code: CodeNotOptedIn, Reason: "no " + LabelZero + "=true label: never idled"}
	}
	if in.ScheduleErr != nil {
		// A schedule we cannot read might be asking for replicas: stay safe.
		return Verdict{Code: CodeInvalidLabel, Reason: in.ScheduleErr.Error()}
	}
	if in.ScheduledMin > 0 {
		return Verdict{Code: CodeScheduledMin, Reason: "scheduled minimum " + strconv.FormatUint(in.ScheduledMin, 10) + " active (" + in.ScheduleReason + ")"}
	}
	if in.Replicas == 0 {
		if in.ScheduledSoon != "" {
			return Verdict{Code: CodeScheduledMin, Reason: in.ScheduledSoon + ", before the idler's next run: raised from zero ahead of it, so its replicas are ready then"}
		}
		return alreadyZero
	}
	if in.ScheduledSoon != "" {
		return Verdict{Code: CodeScheduledMin, Reason: in.ScheduledSoon + ", before the idler could restore it from zero: not idled"}
	}
	if in.HistoryPending {
		return historyPending
	}
	if in.KeepAlive <= 0 {
		return Verdict{Code: CodeInvalidLabel, Reason: "keep-alive is not positive"}
	}
	obs := in.Observation
	if !obs.Known {
		why := obs.MissingWhy
		if why == "" {
			why = "no activity data"
		}
		return Verdict{Code: CodeMissingData, Reason: why + ": not idled"}
	}
	if v, ok := queuedVerdict(obs, in.KeepAlive, now); ok {
		return v
	}
	if obs.HasInflight && obs.Inflight > 0 {
		v := Verdict{Code: CodeInflight, WouldIdleAt: now.Add(in.KeepAlive)}
		if word {
			v.Reason = inflightWords(obs.Inflight)
		}
		return v
	}
	if obs.HasStarted && obs.Started > 0 {
		v := Verdict{Code: CodeActive}
		if word {
			v.Reason = activeWords(obs.Started, in.KeepAlive)
		}
		// The last invocation happened by now at the latest, so by now+keep-alive
		// at the latest the window is quiet (if nothing else starts).
		last := now
		if !in.LastActive.IsZero() && in.LastActive.Before(now) {
			last = in.LastActive
		}
		v.WouldIdleAt = last.Add(in.KeepAlive)
		return v
	}
	born, bornWhat := in.CreatedAt, "deployed"
	if born.IsZero() && !obs.HasStarted {
		// A never-invoked function without a deploy time: only the idler's
		// own memory proves it has existed for the whole window.
		born, bornWhat = in.FirstSeen, "first seen by the idler"
		if born.IsZero() {
			born = now
		}
	}
	if !born.IsZero() && now.Sub(born) < in.KeepAlive {
		return Verdict{Code: CodeTooYoung, WouldIdleAt: born.Add(in.KeepAlive),
			Reason: fmt.Sprintf("%s %s ago, keep-alive %s", bornWhat, now.Sub(born).Round(time.Second), in.KeepAlive)}
	}
	if !in.LastWoken.IsZero() && now.Sub(in.LastWoken) < in.KeepAlive {
		v := Verdict{Code: CodeRecentlyScaled, WouldIdleAt: in.LastWoken.Add(in.KeepAlive),
			Reason: fmt.Sprintf("woken from zero %s ago, keep-alive %s", now.Sub(in.LastWoken).Round(time.Second), in.KeepAlive)}
		if in.WakeUnsure {
			v.Reason = fmt.Sprintf("a scale to zero answered with an error may have landed, and it was found running %s ago: taken as woken from zero then, keep-alive %s",
				now.Sub(in.LastWoken).Round(time.Second), in.KeepAlive)
		}
		return v
	}
	unready := ""
	if in.Available < in.Replicas {
		// Replicas not ready may be starting for someone (a wake's requests
		// wait at the gateway for one), but only for a while: a replica
		// that never becomes ready (a crash loop) must not keep an idle
		// function from zero for ever.
		since, hold := in.UnreadySince, UnreadyHold(in.KeepAlive)
		if since.IsZero() || since.After(now) {
			since = now
		}
		if now.Sub(since) < hold {
			return Verdict{Code: CodeRecentlyScaled, WouldIdleAt: since.Add(hold),
				Reason: fmt.Sprintf("%d of %d replicas available: replicas are starting, so someone wants them", in.Available, in.Replicas)}
		}
		unready = fmt.Sprintf("; %d of %d replicas available for %s: not merely starting", in.Available, in.Replicas, now.Sub(since).Round(time.Second))
	}
	if !in.LastScaleUp.IsZero() && now.Sub(in.LastScaleUp) < in.KeepAlive {
		return Verdict{Code: CodeRecentlyScaled, WouldIdleAt: in.LastScaleUp.Add(in.KeepAlive),
			Reason: fmt.Sprintf("scaled up by the scaler %s ago, keep-alive %s", now.Sub(in.LastScaleUp).Round(time.Second), in.KeepAlive)}
	}
	quiet := "no invocation"
	if !obs.HasStarted {
		quiet = "never invoked (no series)"
	}
	if now.Before(in.WakesSeenBy) {
		return Verdict{Code: CodeMissingData, WouldIdleAt: in.WakesSeenBy,
			Reason: fmt.Sprintf("%s in the last %s, but a wake from zero just before the idler started may not be in the metrics yet (the gateway reports replica counts every %s): not idled before %s",
				quiet, in.KeepAlive, GatewayReplicaPoll, in.WakesSeenBy.UTC().Format(time.TimeOnly))}
	}
	v := Verdict{Idle: true, Code: CodeIdle, IdleSince: now.Add(-in.KeepAlive), WouldIdleAt: now,
		Reason: quiet + " in the last " + in.KeepAlive.String() + unready}
	switch {
	case !in.RefusedUntil.IsZero() && now.Before(in.RefusedUntil):
		v.Code, v.Reason = CodeRefused, fmt.Sprintf("%s; provider refused zero, retry after %s", v.Reason, in.RefusedUntil.UTC().Format(time.RFC3339))
		v.WouldIdleAt = in.RefusedUntil // only CodeIdle is acted on
	}
	return v
}

// alreadyZero is Decide's verdict on a function at zero that nothing asks
// to raise (work.decide gives it too).
var alreadyZero = Verdict{Code: CodeAlreadyZero, Reason: "already at zero replicas"}

// GatewayReadyWait is how long the OpenFaaS gateway holds a request to a
// function with no ready replica (MaxPollCount 1000 × FunctionPollInterval
// 100ms) before it forwards it anyway, when it counts as started.
const GatewayReadyWait = 100 * time.Second

// UnreadyHold is how long replicas that are not ready hold off idling an
// otherwise idle function, from the first listing that showed them so: the
// keep-alive, and at least the gateway's wait for a ready replica and a
// scrape (20 s) after it, so that a request held for a starting replica
// (after a wake from zero with a slow image pull, say) starts, and shows,
// before the function can be idled. A replica not ready for longer is not
// merely starting (a crash loop, an image that cannot be pulled): it holds a
// node for nobody, and the function is idled as a ready one would be.
func UnreadyHold(keepAlive time.Duration) time.Duration {
	return max(keepAlive, GatewayReadyWait+20*time.Second)
}

// inflightWords is the reason of an in-flight verdict, with inflight
// invocations in flight.
func inflightWords(inflight float64) string {
	return formatG(inflight) + " invocation(s) in flight"
}

// activeWords is the reason of an active verdict, with started invocations
// started in the last keepAlive.
func activeWords(started float64, keepAlive time.Duration) string {
	return formatG(started) + " invocation(s) started in the last " + keepAlive.String()
}

// formatG is fmt's %g of f. The reasons every function gets every cycle
// (active, idle, in flight, scheduled minimum) are put together without
// fmt: a cycle over 10,000 functions formatted 8,000 of them.
func formatG(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// historyPending is the verdict of an "auto" function while the keep-alive's
// history is still being read: missing is not zero.
var historyPending = Verdict{Code: CodeMissingData,
	Reason: "zero-duration auto: the keep-alive's history is still being read from Prometheus (after a start), so its keep-alive is not known yet: not idled"}

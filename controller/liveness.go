package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// liveness records when the loops that change replicas last got anywhere,
// so /healthz can fail on a leader whose loop hangs: such a leader keeps
// renewing its Lease (the leader package renews on its own goroutine), so
// no other replica takes over, and without this the livenessProbe never
// restarts it (cluster-autoscaler's --max-inactivity). Each mark is one
// atomic store of Unix nanoseconds on the injected clock; 0 = never.
type liveness struct {
	scalerDone atomic.Int64 // the last scaler pass Run made returned
	idlerDone  atomic.Int64 // the last idler cycle Run made returned
	// idlerAnswered is when the actuator last answered one of the idler's
	// intents: a cycle that idles thousands of functions through a
	// rate-limited API waits for every outcome (idler actAll) and lasts
	// longer than a healthy pass, but it is moving.
	idlerAnswered atomic.Int64
	// idlerRescheduled is when a reload last changed the idler's schedule:
	// Run waits for the new schedule's next time from then.
	idlerRescheduled atomic.Int64
	termStart        atomic.Int64 // when the current (or last) Act began
	// idlerStarted is when the current (or last) term's idler began: Act
	// starts it after the term's keep-alive refresh, which
	// keep_alive.rebuild_timeout bounds, not max_inactivity.
	idlerStarted atomic.Int64
	failing      atomic.Bool // the last /healthz failed (checkLive logs each change)

	// terms are the Acts running, each with when its ctx ended and its
	// parts not yet returned (a term that outlives its ctx, hungTerm). A
	// list, not one mark: Acts may overlap, and a term's end must go with
	// the term when its Act returns, never count against the next.
	mu    sync.Mutex
	terms []*actTerm // guarded by mu, in the order they began
}

func mark(a *atomic.Int64, t time.Time) { a.Store(t.UnixNano()) }

func at(a *atomic.Int64) time.Time {
	if n := a.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

func later(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}

// loopMarks are the marks one check reads, as plain times.
type loopMarks struct {
	termStart, scalerDone, idlerDone, idlerAnswered, idlerRescheduled, idlerStarted time.Time
}

func (l *liveness) marks() loopMarks {
	return loopMarks{termStart: at(&l.termStart), scalerDone: at(&l.scalerDone), idlerDone: at(&l.idlerDone),
		idlerAnswered: at(&l.idlerAnswered), idlerRescheduled: at(&l.idlerRescheduled), idlerStarted: at(&l.idlerStarted)}
}

// stalled says which running loops have got nowhere for longer than
// maxInactivity at now, "" when none (pure). The scaler passes every
// interval, so its inactivity counts from its last pass, or from the
// start of the term before its first: a new leader's first pass starts at
// once. The idler runs on a schedule that may be daily, so its inactivity
// counts from when its next cycle was due (nextRun after its last cycle,
// its start in the term or a reschedule), or from its last answered scale
// call after that; before it starts in the term (Act starts it after the
// term's keep-alive refresh, bounded by keep_alive.rebuild_timeout, which
// may be longer than maxInactivity) no cycle of it is due: counted from
// the term's start, a refresh of 15m failed /healthz at 10m and the
// livenessProbe restarted the new leader in the middle of a bounded read.
// nextRun nil: the idler does not run.
//
// scalerEvery is the scaler's interval, 0 when it does not run. Its check
// waits at least two intervals whatever maxInactivity says: a loop that
// passes every 10m (an interval that was valid before the setting existed)
// is not stalled 10m after its last pass, and validation refusing such a
// configuration stopped a controller on upgrade.
func stalled(now time.Time, maxInactivity time.Duration, m loopMarks, scalerEvery time.Duration, nextRun func(time.Time) time.Time) string {
	var why []string
	round := func(d time.Duration) string { return config.FormatDuration(d.Round(time.Second)) }
	if scalerEvery > 0 {
		bound := max(maxInactivity, 2*scalerEvery)
		if since := now.Sub(later(m.scalerDone, m.termStart)); since > bound {
			w := fmt.Sprintf("no scaler pass completed for %s", round(since))
			if bound > maxInactivity {
				w += fmt.Sprintf(" (two scaler intervals: %s)", config.FormatDuration(bound))
			}
			why = append(why, w)
		}
	}
	if nextRun != nil && !m.idlerStarted.Before(m.termStart) {
		from := later(m.idlerDone, m.idlerStarted, m.idlerRescheduled)
		if due := nextRun(from); !due.IsZero() {
			moved := later(due, m.idlerAnswered)
			if since := now.Sub(moved); since > maxInactivity {
				w := fmt.Sprintf("no idler cycle completed for %s, one due for %s", round(now.Sub(from)), round(now.Sub(due)))
				if moved.After(due) {
					w += fmt.Sprintf(" and none of its scale calls answered for %s", round(since))
				}
				why = append(why, w)
			}
		}
	}
	if len(why) == 0 {
		return ""
	}
	return fmt.Sprintf("stalled: %s (max_inactivity %s)", strings.Join(why, "; "), config.FormatDuration(maxInactivity))
}

// hungTerm says why a term whose ctx ended at ended (zero: it has not)
// is hung, "" when it is not (pure): its Act has not returned for longer
// than maxInactivity, with running the parts of it not yet returned.
//
// The elector stands again only once the work of its last term returns,
// so such a replica follows for ever, and Act's goroutines still hold
// what they hold: not leading, it was "always live", and nothing
// restarted it. A healthy Act returns within seconds of its ctx (every
// call its loops and the actuator's workers make is bound to it), so the
// loops' own bound, already the one knob for "restart me", is ample.
func hungTerm(now time.Time, maxInactivity time.Duration, ended time.Time, running []string) string {
	if ended.IsZero() {
		return ""
	}
	since := now.Sub(ended)
	if since <= maxInactivity {
		return ""
	}
	w := fmt.Sprintf("stalled: the term ended %s ago and has not returned", config.FormatDuration(since.Round(time.Second)))
	if len(running) > 0 {
		w += "; still running: " + strings.Join(running, ", ")
	}
	return w + fmt.Sprintf(" (max_inactivity %s)", config.FormatDuration(maxInactivity))
}

// Live is /healthz: nil, or why the loops are stalled. A term whose ctx
// ended (the lease lost, the watchdog, shutdown) and whose Act has not
// returned for liveness.max_inactivity fails it whether or not the
// replica leads (hungTerm). Otherwise a replica that does not lead is
// always live (its loops do not run: restarting it fixes nothing), as is
// one whose loops have not started (the provider's cache sync, the wait
// for the lease); liveness.max_inactivity 0 turns every check off.
func (c *Controller) Live() error {
	cfg := c.Config()
	maxInactivity := cfg.Liveness.MaxInactivity
	if maxInactivity <= 0 {
		return nil
	}
	now := c.deps.Clock.Now()
	ended, running := c.live.endedTerm()
	if why := hungTerm(now, maxInactivity, ended, running); why != "" {
		return errors.New(why)
	}
	if c.live.acts() == 0 || (c.deps.Leading != nil && !c.deps.Leading()) {
		return nil
	}
	var next func(time.Time) time.Time
	if c.Idler != nil {
		next = c.Idler.NextRun
	}
	var scalerEvery time.Duration
	if cfg.Scaler.Enabled {
		scalerEvery = cfg.Scaler.Interval
	}
	if why := stalled(now, maxInactivity, c.live.marks(), scalerEvery, next); why != "" {
		return errors.New(why)
	}
	return nil
}

// checkLive is /healthz's check: Live, with each change between passing
// and failing logged once (the probe asks every few seconds). The kubelet's
// event says only "statuscode: 503", so without the WARN the previous
// container's log (kubectl logs --previous) did not say why the
// livenessProbe restarted it.
func (c *Controller) checkLive() error {
	err := c.Live()
	if failing := err != nil; c.live.failing.Swap(failing) != failing {
		if failing {
			c.log.Warn("liveness: /healthz fails; the livenessProbe restarts this replica if it lasts", "reason", err.Error())
		} else {
			c.log.Info("liveness: /healthz passes again")
		}
	}
	return err
}

// actTerm is one running Act as /healthz sees it: when its ctx ended, and
// which of its parts have not returned. Its fields are guarded by l.mu.
type actTerm struct {
	l       *liveness
	ended   time.Time      // zero while its ctx lives
	running map[string]int // parts running, by name
}

// startTerm records an Act beginning at now. It restarts the loops'
// clocks: a replica that led an hour ago and leads again is not stalled
// for the hour it followed. The term's returned forgets it, so the end of
// a term that returned never counts against a later one.
func (l *liveness) startTerm(now time.Time) *actTerm {
	mark(&l.termStart, now)
	t := &actTerm{l: l, running: map[string]int{}}
	l.mu.Lock()
	l.terms = append(l.terms, t)
	l.mu.Unlock()
	return t
}

// endedAt records that the term's ctx ended at now.
func (t *actTerm) endedAt(now time.Time) {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	if t.ended.IsZero() {
		t.ended = now
	}
}

// part records that the named part of the term runs until done is called.
func (t *actTerm) part(name string) (done func()) {
	t.l.mu.Lock()
	t.running[name]++
	t.l.mu.Unlock()
	return func() {
		t.l.mu.Lock()
		defer t.l.mu.Unlock()
		if t.running[name]--; t.running[name] <= 0 {
			delete(t.running, name)
		}
	}
}

// returned records that the term's Act returned.
func (t *actTerm) returned() {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	t.l.terms = slices.DeleteFunc(t.l.terms, func(x *actTerm) bool { return x == t })
}

// acts is how many Acts run: 0 = the loops do not run here.
func (l *liveness) acts() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.terms)
}

// endedTerm is the running term whose ctx ended first (zero when none has)
// and the names of its parts still running, sorted.
func (l *liveness) endedTerm() (ended time.Time, running []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first *actTerm
	for _, t := range l.terms {
		if !t.ended.IsZero() && (first == nil || t.ended.Before(first.ended)) {
			first = t
		}
	}
	if first == nil {
		return time.Time{}, nil
	}
	for name := range first.running {
		running = append(running, name)
	}
	slices.Sort(running)
	return first.ended, running
}

// answering is the idler's actuator: the actuator, with each answer to one
// of the idler's intents marked as the idler moving.
type answering struct {
	*actuator.Actuator
	l     *liveness
	clock func() time.Time
}

var _ idler.Forgetter = answering{}

func (a answering) Submit(ctx context.Context, in actuator.Intent, done func(actuator.Outcome)) {
	a.Actuator.Submit(ctx, in, func(o actuator.Outcome) {
		mark(&a.l.idlerAnswered, a.clock())
		if done != nil {
			done(o)
		}
	})
}

// Forget is the actuator's (idler.Forgetter), named so that a change to
// the embedded type's method set cannot drop it silently.
func (a answering) Forget(ref provider.Ref) { a.Actuator.Forget(ref) }

// lastCompletedDesc is the loops' last completion as a timestamp: a
// dashboard's time() − it is how long ago. Only loops that have completed
// a round are exported (never is not 1970).
var lastCompletedDesc = prometheus.NewDesc("faas_autoscaler_loop_last_completed_timestamp_seconds",
	"When the loop last completed a round on this replica (the scaler's pass, the idler's cycle), Unix seconds; "+
		"/healthz fails on the leader once it is older than liveness.max_inactivity (the idler's: than its due time).",
	[]string{"loop"}, nil)

func (l *liveness) Describe(ch chan<- *prometheus.Desc) { ch <- lastCompletedDesc }

func (l *liveness) Collect(ch chan<- prometheus.Metric) {
	for _, x := range []struct {
		loop string
		t    time.Time
	}{{"scaler", at(&l.scalerDone)}, {"idler", at(&l.idlerDone)}} {
		if !x.t.IsZero() {
			ch <- prometheus.MustNewConstMetric(lastCompletedDesc, prometheus.GaugeValue, float64(x.t.UnixNano())/1e9, x.loop)
		}
	}
}

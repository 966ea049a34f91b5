package keepalive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ActivitySource is what the feeder needs from the metrics source;
// metricsource.Source satisfies it.
type ActivitySource interface {
	Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error)
}

// Feeder teaches a running controller's Policy: every Step it asks the
// metrics source once for the invocations started in the last Step, for all
// functions, and records them with ObserveCount, the same way Rebuild
// replays history. A failed read is skipped, not read as "no invocations"
// (missing is not zero), and nothing is learned across it (Policy.Unknown).
// From a source that reads the started counters as they stand
// (metricsource.StartedTotals: Prometheus) the step's invocations are the
// counters' difference from the last read (feed_totals.go), one cheap
// query a step; from any other, the source counts them over the step.
//
// Whether the source observed the whole step is not asked: StartedCounts
// does not say, and Prometheus's coverage rule (a gap of at most a third of
// the window, metricsource.GapBound) never covers the default 15s step at a
// scrape interval over 5s, so heeding it would stop live learning there
// altogether. A call counted late after a scrape gap is learned with the
// step it shows in.
//
// NewFeeder builds one with metrics that say whether it is learning at all
// (reads by result, their duration, unknown steps); a Feeder literal has
// none.
type Feeder struct {
	Policy *Policy
	Source ActivitySource
	Clock  clock.Clock
	// Step is both the period and the window of each read (default 1m, the
	// resolution keep-alive windows are counted in).
	Step   time.Duration
	Logger *slog.Logger

	metrics *feederMetrics       // nil: no metrics (a Feeder built without NewFeeder)
	counts  []metricsource.Count // the last read's array, reused (Run is one goroutine)
	// With a source that reads StartedTotals: the counters' last read,
	// which the next is counted from, and its array (feed_totals.go).
	diff   metricsource.TotalsDiff
	totals []metricsource.Total
	// over is the part of the last read's counts made before the
	// rebuild's end, when split is set (readSplit): the hand-over is taken
	// off it alone.
	over  []metricsource.Count
	split bool
	prev  time.Time // when the last read was made (zero: none yet)
	// prevRebuild: prev is the rebuild's end (ReadsFrom), not a read, so a
	// gap since it too long to read back over is no missed read.
	prevRebuild bool
	// handed is the rebuild's hand-over (handover.go), held from the first
	// read after it until a read succeeds, and rebuiltTo where the rebuild
	// ended: a read whose window reaches back before it re-reads the
	// rebuild's last steps. Dropped with a failed first read, the base
	// it kept (readTotals) still reached back, and the rebuild's last
	// call was counted a second time (a review's finding).
	handed    map[provider.Ref]int32
	rebuiltTo time.Time
	// resumeAt: Run makes no read before it (backing off after a failed
	// read that took longer than a step; zero: no backoff).
	resumeAt time.Time
	// The run of failed reads in progress (failedReads 0: none), and when
	// it and a too-long gap were last logged at Warn (warnEvery).
	failedReads         int
	failedSince         time.Time
	warnedAt, gapWarned time.Time
}

// FeederConfig configures NewFeeder.
type FeederConfig struct {
	Policy *Policy        // required
	Source ActivitySource // required
	Clock  clock.Clock
	Step   time.Duration // default 1m
	// Registerer receives faas_autoscaler_keepalive_reads_total,
	// …_read_duration_seconds, …_unknown_steps_total and the policy's
	// gauges (…_idle_times, …_max_idle_times, …_functions); nil registers
	// nowhere.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// NewFeeder validates cfg and registers the feeder's and its policy's
// metrics.
func NewFeeder(cfg FeederConfig) (*Feeder, error) {
	var errs []error
	if cfg.Policy == nil {
		errs = append(errs, errors.New("keepalive: the feeder needs a Policy"))
	}
	if cfg.Source == nil {
		errs = append(errs, errors.New("keepalive: the feeder needs an activity Source"))
	}
	if cfg.Step < 0 {
		errs = append(errs, fmt.Errorf("keepalive: the feeder's step %s must not be negative", cfg.Step))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Step > 0 {
		cfg.Policy.setFeederStep(cfg.Step)
	} else {
		cfg.Policy.setFeederStep(time.Minute) // Feeder.step's default
	}
	m := newFeederMetrics()
	if cfg.Registerer != nil {
		if err := registerLearning(cfg.Registerer, m, cfg.Policy); err != nil {
			return nil, err
		}
	}
	return &Feeder{Policy: cfg.Policy, Source: cfg.Source, Clock: cfg.Clock, Step: cfg.Step, Logger: cfg.Logger, metrics: m}, nil
}

// Run reads every Step until ctx ends.
func (f *Feeder) Run(ctx context.Context) error {
	clk := f.clock()
	t := clk.NewTicker(f.step())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			if ctx.Err() != nil {
				// Cancelled while a tick waited (during a slow read):
				// select picks among ready cases at random, and a read
				// now would fail on the cancelled context, counted and
				// warned about as if learning had stopped.
				return nil
			}
			// The read is made now, not at the tick: after a slow read
			// the ticker's next tick is already waiting, seconds old.
			now := clk.Now()
			if now.Before(f.resumeAt) {
				continue // backing off after a failed slow read
			}
			_ = f.RunOnce(ctx, now)
		}
	}
}

// RunOnce records the invocations started in the Step ending at now and
// returns how many functions had any (late counts, started at some unknown
// time before, are recorded but not among them). A read made more than a Step after
// the one before it (that one slow: a loaded Prometheus, inside the call's
// timeout; the ticker dropped a tick) reads back to it, up to maxCatchUp
// steps, so no call between them goes unread: a call missed there merged
// two idle times into one. A longer gap is unknown activity.
func (f *Feeder) RunOnce(ctx context.Context, now time.Time) int {
	step := f.step()
	window := step
	// The first read after a rebuild reads its last steps again: the
	// rebuild's counts of them are taken off (handover.go), unless the
	// read does not reach back to them (below).
	if f.prevRebuild {
		f.handed = f.Policy.takeHandover()
	}
	if prev := f.prev; !prev.IsZero() && now.Sub(prev) > step {
		if gap := now.Sub(prev); gap <= maxCatchUp*step || f.prevRebuild && gap <= maxRebuildGap {
			window = gap.Round(time.Millisecond)
		} else {
			f.handed = nil // a step's read: nothing of the rebuild's in it
			f.Policy.Unknown(now.Add(-step))
			if f.failedReads == 0 && !f.prevRebuild {
				// After a failed read the span is unknown already,
				// counted and warned as a read error (and the wait
				// after a slow one makes this gap on purpose).
				f.gapUnknown(now, gap, step)
			}
		}
	}
	f.prev, f.prevRebuild = now, false
	clk := f.clock()
	began := clk.Now() // timed on the clock: now is when the step ends, not when the read starts
	counts, window, err := f.read(ctx, now, window)
	took := clk.Now().Sub(began)
	f.metrics.read(took, err)
	f.resumeAt = time.Time{}
	if err != nil && took > step {
		// A read that failed after more than a step (a query timing out
		// on a loaded Prometheus, 100,000 functions on two cores) was
		// followed at once by the next, the ticker's tick long waiting:
		// the feeder kept the source busy with a query that learned
		// nothing, beside the scaler's. It waits as long again: at most
		// half the source's time while reads fail, and nothing learned
		// is lost (a failed read already makes its step unknown).
		f.resumeAt = began.Add(2 * took)
	}
	f.counts = nil
	if cap(counts) <= keptCounts {
		// Kept for the next step; a large fleet's goes with this one, so
		// it does not sit in the live heap between steps.
		f.counts = counts[:0]
	}
	if err != nil {
		// The next call seen must not end an idle time begun before this
		// step: it would be learned as a lull that nobody observed.
		f.Policy.Unknown(now)
		f.readFailed(now, err)
		return 0
	}
	f.readOK(now)
	handed := f.handed
	f.handed = nil
	if !now.Add(-window).Before(f.rebuiltTo) {
		handed = nil // the window starts after the rebuild's end
	}
	// Without a rebuild (or after one that failed) the calls learned reach
	// back to the first successful read's window.
	f.Policy.noteLearnedFrom(now.Add(-window))
	// The hand-over is taken off only the calls counted before the
	// rebuild's end (readSplit's part), when the read was split there;
	// otherwise (a source that counts a window) off the whole count.
	over := counts
	if f.split {
		over = f.over
	}
	f.over, f.split = nil, false
	n := 0
	for _, c := range counts {
		// increase() extrapolates: round to whole invocations.
		k := int(math.Round(c.N))
		if handed != nil {
			var o int
			o, over = partOf(over, c.Ref)
			o = min(o, k)
			k = k - o + handedOver(handed, c.Ref, o)
		}
		if k > 0 {
			if c.Late {
				f.Policy.ObserveLateCount(c.Ref, now, window, k)
			} else {
				// Late counts are not of calls started in the step.
				f.Policy.ObserveCount(c.Ref, now, window, k)
				n++
			}
		}
	}
	return n
}

// partOf returns ref's count in part (sorted as the counts are, which are
// walked in order), rounded, and the rest of part after it.
func partOf(part []metricsource.Count, ref provider.Ref) (int, []metricsource.Count) {
	for len(part) > 0 {
		if c := compareRefs(part[0].Ref, ref); c > 0 {
			break
		} else if c == 0 {
			return int(math.Round(part[0].N)), part[1:]
		}
		part = part[1:]
	}
	return 0, part
}

// maxCatchUp is how many steps a late read reads back over at most.
const maxCatchUp = 4

// maxRebuildGap is how far back the first read after a rebuild reads, to
// the rebuild's end (ReadsFrom), when that is more than maxCatchUp steps:
// the rebuild's own time, which keep_alive.rebuild_timeout bounds (a day at
// 10,000 functions took ~2 minutes, session 39). Its calls are placed
// within that one window (ObserveCount), so the idle time each ends is
// known within half of it; beyond 10 minutes that is as coarse as the
// keep-alive windows themselves, and the span is left unknown.
const maxRebuildGap = 10 * time.Minute

// keptCounts is the largest counts array a Feeder keeps between steps.
const keptCounts = 4096

func (f *Feeder) step() time.Duration {
	if f.Step > 0 {
		return f.Step
	}
	return time.Minute
}

// warnEvery is how often a run of failed reads, or reads that come too
// late to read back to the one before, is logged at Warn again: an
// operator must see that learning stopped, but not once per step.
const warnEvery = 15 * time.Minute

// readFailed counts and logs a failed read at now: at Warn when a run of
// failures starts and every warnEvery while it lasts, at Debug every step.
func (f *Feeder) readFailed(now time.Time, err error) {
	f.metrics.unknownStep(unknownReadError)
	f.logger().Debug("keep-alive feed: activity unknown this step", "err", err)
	if f.failedReads == 0 {
		f.failedSince = now
	}
	f.failedReads++
	if f.failedReads == 1 || now.Sub(f.warnedAt) >= warnEvery {
		f.warnedAt = now
		f.logger().Warn("keep-alive feed: cannot read the functions' activity; the keep-alive learns nothing until a read succeeds",
			"err", err, "failed_reads", f.failedReads, "since", f.failedSince)
	}
}

// readOK ends a run of failed reads at now, saying so: the Warn that
// started it is answered, and the next failure warns again.
func (f *Feeder) readOK(now time.Time) {
	if f.failedReads == 0 {
		return
	}
	f.logger().Info("keep-alive feed: activity read again; learning resumed",
		"failed_reads", f.failedReads, "unread_for", now.Sub(f.failedSince).Round(time.Second).String())
	f.failedReads = 0
}

// gapUnknown counts and logs a read made gap after the one before, more
// than the maxCatchUp steps a read reads back over.
func (f *Feeder) gapUnknown(now time.Time, gap, step time.Duration) {
	f.metrics.unknownStep(unknownGap)
	msg := "keep-alive feed: this read came too long after the one before to read back to it; the calls between are unknown"
	args := []any{"since_last_read", gap.Round(time.Millisecond).String(), "reads_back_at_most", (maxCatchUp * step).String()}
	if !f.gapWarned.IsZero() && now.Sub(f.gapWarned) < warnEvery {
		f.logger().Debug(msg, args...)
		return
	}
	f.gapWarned = now
	f.logger().Warn(msg, args...)
}

func (f *Feeder) clock() clock.Clock {
	if f.Clock == nil {
		return clock.Real()
	}
	return f.Clock
}

func (f *Feeder) logger() *slog.Logger {
	if f.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Logger
}

// ReadsFrom makes the first read count from a step before t, the end of
// what Rebuild learned, rather than from one step before its own time: the
// rebuild's query and Run's first tick came between, and a call there was
// in neither (the idle time in progress learned as if it ran on to the
// next call). A step before t, not t: Prometheus stamps a scrape with its
// start and answers it once appended, so a scrape stamped just before t
// and appended after the rebuild read t was not in the rebuild, and read
// from t it would not be in the feeder either. The step read twice teaches
// nothing twice: a call the rebuild placed in it ends no idle time when
// counted again (the read's window starts before it). That step is the
// longer of the feeder's and the rebuild's (rebuildStep): the rebuild
// places the calls of its last step within that step (half a minute before
// t, for one call, at one-minute steps), and a first read from a 5 s learn
// step before t counted a call scraped between again, after the place the
// rebuild gave it: one call learned as two, 30 s apart. As a late read
// does, it reads back at most maxCatchUp steps, or to a rebuild's end
// within maxRebuildGap; further back the span between is unknown. Called
// before Run.
func (f *Feeder) ReadsFrom(t time.Time, rebuildStep time.Duration) {
	if f.prev.IsZero() {
		f.prev, f.prevRebuild, f.rebuiltTo = t.Add(-max(f.step(), rebuildStep)), true, t
	}
}

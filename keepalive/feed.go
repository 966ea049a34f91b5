package keepalive

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
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
//
// Whether the source observed the whole step is not asked: StartedCounts
// does not say, and Prometheus's coverage rule (a gap of at most a third of
// the window, metricsource.GapBound) never covers the default 15s step at a
// scrape interval over 5s, so heeding it would stop live learning there
// altogether. A call counted late after a scrape gap is learned with the
// step it shows in.
type Feeder struct {
	Policy *Policy
	Source ActivitySource
	Clock  clock.Clock
	// Step is both the period and the window of each read (default 1m, the
	// resolution keep-alive windows are counted in).
	Step   time.Duration
	Logger *slog.Logger

	counts []metricsource.Count // the last read's array, reused (Run is one goroutine)
	prev   time.Time            // when the last read was made (zero: none yet)
}

// Run reads every Step until ctx ends.
func (f *Feeder) Run(ctx context.Context) error {
	clk := f.Clock
	if clk == nil {
		clk = clock.Real()
	}
	t := clk.NewTicker(f.step())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			// The read is made now, not at the tick: after a slow read
			// the ticker's next tick is already waiting, seconds old.
			_ = f.RunOnce(ctx, clk.Now())
		}
	}
}

// RunOnce records the invocations started in the Step ending at now and
// returns how many functions had any. A read made more than a Step after
// the one before it (that one slow: a loaded Prometheus, inside the call's
// timeout; the ticker dropped a tick) reads back to it, up to maxCatchUp
// steps, so no call between them goes unread: a call missed there merged
// two idle times into one. A longer gap is unknown activity.
func (f *Feeder) RunOnce(ctx context.Context, now time.Time) int {
	step := f.step()
	window := step
	if prev := f.prev; !prev.IsZero() && now.Sub(prev) > step {
		if gap := now.Sub(prev); gap <= maxCatchUp*step {
			window = gap.Round(time.Millisecond)
		} else {
			f.Policy.Unknown(now.Add(-step))
		}
	}
	f.prev = now
	counts, err := metricsource.Started(ctx, f.Source, window, f.counts)
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
		f.logger().Debug("keep-alive feed: activity unknown this step", "err", err)
		return 0
	}
	n := 0
	for _, c := range counts {
		// increase() extrapolates: round to whole invocations.
		if k := int(math.Round(c.N)); k > 0 {
			f.Policy.ObserveCount(c.Ref, now, window, k)
			n++
		}
	}
	return n
}

// maxCatchUp is how many steps a late read reads back over at most.
const maxCatchUp = 4

// keptCounts is the largest counts array a Feeder keeps between steps.
const keptCounts = 4096

func (f *Feeder) step() time.Duration {
	if f.Step > 0 {
		return f.Step
	}
	return time.Minute
}

func (f *Feeder) logger() *slog.Logger {
	if f.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Logger
}

package prometheus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// gatewayCover is what the gateway's own series say of the counts read
// over a window: why the coverage checks find them not whole (why, ""
// when they are whole: coverageQuery) and the gateway instances down
// (DownGateways), whose calls since their last scrape are not in the sums.
type gatewayCover struct {
	why  string
	down []string
}

// uncovered is Activity.Uncovered: "" when the counts are proven whole.
// Calls through a down instance since its last scrape are not in the
// sums: "no invocation" is not proven then (missing is not zero).
func (c gatewayCover) uncovered() string {
	lb := metricsource.LowerBoundWords(c.down, "activity")
	return strings.Join(slices.DeleteFunc([]string{c.why, lb}, func(w string) bool { return w == "" }), "; ")
}

// and is c and a later read d of the same counts (activityInChunks): not
// whole if either says so, with the instances down of both. d's range
// spans c's, so its reason, when it has one, is given alone: c's would
// say the same things over a shorter span.
func (c gatewayCover) and(d gatewayCover) gatewayCover {
	why := d.why
	if why == "" {
		why = c.why
	}
	down := slices.Concat(c.down, d.down)
	slices.Sort(down)
	return gatewayCover{why: why, down: slices.Compact(down)}
}

// readGatewayCover reads the gateway's coverage of window and of widen
// before it, with window's own gap bound, and the gateway instances down
// within the same range: two queries, run concurrently, each within the
// timeout. widen is 0 but for the read that closes a read in chunks,
// which spans every chunk's window (activityInChunks).
func (s *Source) readGatewayCover(ctx context.Context, window, widen time.Duration) (gatewayCover, error) {
	coverage, err := coverageQuery(s.cfg.CoverageSelector, window, widen, s.cfg.MaxScrapeGap)
	if err != nil {
		return gatewayCover{}, err
	}
	var (
		c    gatewayCover
		cov  []sample // the three checks
		errs [2]error
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
		errs[0] = s.queryNamedAt(ctx, coverage, coverage, time.Time{}, func(smp *sample) { cov = append(cov, *smp) })
	})
	// The coverage checks see a failed scrape, but not a target that left
	// discovery while the others stay (down.go).
	wg.Go(func() { c.down, errs[1] = s.DownGateways(ctx, coverageRange(window, s.cfg.MaxScrapeGap)+widen) })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return gatewayCover{}, err
	}
	c.why = s.uncovered(cov, window, widen)
	return c, nil
}

// uncovered reads coverageQuery's result: "" when the gateway was observed
// continuously over the window (and widen before it), else why not: every
// cause that holds, in this order (a failed scrape, part of the window, a
// gap). A Prometheus restart inside the window can leave both a failed
// scrape and a gap; the first alone hid the gap from whoever reads the
// reason. The gap allowed is window's (GapBound), whatever widen: the
// read that closes a read in chunks is no more lenient than the others.
func (s *Source) uncovered(vec []sample, window, widen time.Duration) string {
	bound := metricsource.GapBound(window, s.cfg.MaxScrapeGap)
	span := window + widen
	got := map[string]float64{}
	for _, smp := range vec {
		got[smp.Metric.Check] = smp.Value.v
	}
	up, okUp := got[checkUp]
	age, okAge := got[checkAge]
	steps, okSteps := got[checkSteps]
	if !okUp || !okAge || !okSteps {
		return fmt.Sprintf("Prometheus has no scrape of the gateway (%s) in the last %s", s.cfg.CoverageSelector, span)
	}
	var why []string
	if up < 1 {
		why = append(why, fmt.Sprintf("a scrape of the gateway failed within the last %s", span))
	}
	if steps < 1 {
		why = append(why, fmt.Sprintf("Prometheus has scraped the gateway for only part of the last %s", span))
	}
	// The age is sampled at coverage steps: a gap reads up to a step (an
	// eighth of the bound) short (coverageStep). Compared with the bound
	// less a step, a gateway scraped every second against a 1.25 s bound
	// read uncovered at every cycle (its ages reach a second), so a gap
	// within an eighth over the bound may read covered; one further over
	// it never does.
	if age > bound.Seconds() {
		why = append(why, fmt.Sprintf("a %s gap without a scrape of the gateway within the last %s (longest allowed %s)",
			(time.Duration(age*float64(time.Second))).Round(100*time.Millisecond), span, bound))
	}
	return strings.Join(why, "; ")
}

// Coverage checks, told apart by the "check" label of coverageQuery's result.
const (
	checkUp    = "up"    // lowest `up` value over the range (1 = every scrape succeeded)
	checkAge   = "age"   // longest time (s) without a fresh sample at any step of the range
	checkSteps = "steps" // fraction of the range's steps with a sample at all
)

// coverageRange is the range the coverage query looks at: the window plus
// one gap bound before it, so that a gap straddling the window's start is
// seen whole.
func coverageRange(window, maxGap time.Duration) time.Duration {
	return window + metricsource.GapBound(window, maxGap)
}

// coverageQuery measures, in one query, how well sel (the gateway's `up`)
// was observed over the window, widen before it and one gap bound (the
// window's) before that:
//   - the lowest `up` value (any failed scrape is a gap);
//   - the longest time, at any step, since the freshest sample (Prometheus
//     or the target down for a while); sampled at steps of coverageStep, it
//     reads a gap up to a step (an eighth of the bound) short;
//   - the fraction of steps with a sample at all (a target that only
//     appeared within the range, or a gap longer than the 5 m lookback).
//
// The numbers come back to Go (Source.uncovered) so that the reason can
// say how long the gap was. widen is 0 but for the read that closes a read
// in chunks (activityInChunks): the time the chunks took, so that the
// range holds every chunk's window.
func coverageQuery(sel string, window, widen, maxGap time.Duration) (string, error) {
	if _, err := promDuration("activity window", window); err != nil {
		return "", err
	}
	bound := metricsource.GapBound(window, maxGap)
	r, err := promDuration("coverage range", coverageRange(window, maxGap)+widen)
	if err != nil {
		return "", err
	}
	s := model.Duration(coverageStep(bound)).String()
	check := func(name, expr string) string {
		return fmt.Sprintf(`label_replace(%s, "check", %q, "", "")`, expr, name)
	}
	return check(checkUp, fmt.Sprintf(`min(min_over_time(%s[%s]))`, sel, r)) +
		" or " + check(checkAge, fmt.Sprintf(`max_over_time((time() - max(timestamp(%s)))[%s:%s])`, sel, r, s)) +
		" or " + check(checkSteps, fmt.Sprintf(`count_over_time(max(timestamp(%[1]s))[%[2]s:%[3]s]) / count_over_time(vector(1)[%[2]s:%[3]s])`, sel, r, s)), nil
}

// coverageStep is the step at which coverageQuery samples the time since
// the gateway's freshest sample: an eighth of the bound, in whole
// milliseconds. A gap ending just before a step is read at the step before
// it, up to a step short, so a gap more than an eighth over the bound is
// always seen: with a quarter of the bound in whole seconds, a 36 s gap
// read 29.5 s against a 30 s bound, covered (a review's finding). The
// steps a query takes stay about 8 × (window ÷ bound + 1): a few dozen for
// a window a few bounds long, some thousands for hours at 30 s.
func coverageStep(bound time.Duration) time.Duration {
	return max((bound / 8).Truncate(time.Millisecond), time.Millisecond)
}

package promql

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// MetricUp is Prometheus' own series per scrape target: 1 when its last
// scrape succeeded, 0 when it failed.
const MetricUp = "up"

// A gateway creates a function's started counter at the function's first
// call through it, so the counter's first sample can already count calls:
// a burst through a gateway pod a rolling update has just started, or a
// function's first calls through a replica. rate(), irate() and
// increase() start from a series' first sample and never count that first
// value. The activity query counts a new series' highest value, erring
// towards "active" (metricsource/prometheus startedQuery), and the
// embedded source counts it whole. A load must not err that way: a series
// is also new to a query when Prometheus saw nothing of an old one for
// longer than its lookback (Prometheus itself down, or a new one with an
// empty TSDB; a gateway whose every scrape failed; a target discovered
// late), and its value is then the gateway's history: every function on
// it would read a day's calls as one burst. So a first value counts only
// where the series' own scrape target shows that it counted from zero
// since a time within the range read:
//   - a successful scrape of the target without the series: the gateway
//     made it since, at a call. The series and `up` come from the same
//     scrapes: a failed scrape (up 0), or none (Prometheus down, the target
//     not yet discovered), says nothing;
//   - or the target's process started within it (process_start_time_seconds,
//     which the gateway exports as every Go program does): a new pod's, or
//     one restarted in place, counts everything from its start.
//
// The series is matched with its target's `up` and start time ignoring
// function_name, its one label of its own: each scrape job's copy, and
// each copy of an undeduplicated HA pair (their replica label), with its
// own. A target without process metrics has only the first; series
// relabelled apart from their target's labels match neither, and their
// first values are not counted, as before.

// startedWithin is the scrape targets whose process started less than
// within ago (at each step of a subquery, its step's time).
func startedWithin(within time.Duration) string {
	return fmt.Sprintf(`time() - %s < %s`, MetricProcessStart, seconds(within))
}

// NewStartedSeries is each started counter series first seen within the
// last within, valued now, when every call it counts was made within about
// that time: it has no sample within the lookback (5 minutes by default)
// before within ago (`unless … offset`, as the activity query tells a new
// series), and its target's last scrape at or before within ago succeeded
// (that scrape lacked it, having no sample of it), or its target's process
// started within it. The capacity peak's cap counts it in place of its
// increase(), which misses its first value.
//
// Valued now (the instant selector, which a staleness marker empties), not
// at its last sample within the range: a series whose process was
// restarted in place since holds the new process's count, or none once a
// scrape of the new process lacked it, never the old process's.
func NewStartedSeries(within time.Duration) string {
	w := model.Duration(within).String()
	return fmt.Sprintf(`((%[1]s unless %[1]s offset %[2]s) and ignoring (function_name) (%[3]s offset %[2]s == 1 or %[4]s))`,
		MetricStarted, w, MetricUp, startedWithin(within))
}

// FirstSampleSpan is, per scrape target on which a started counter series
// present now (not marked stale) with one sample within the last rateRange,
// where irate() has nothing, counts only new calls, the seconds those calls
// were made in:
//   - no scrape of the target within rateRange failed after one succeeded
//     (resets() of up: a drop from 1 to 0), and two succeeded: the scrape
//     that brought the sample is the target's last (a later successful one
//     holds the series too, a failed one marks it stale), so the one before
//     it succeeded too and lacked the series, and its value is the calls
//     made since that scrape: the time between the two (PreviousScrapeGap).
//     That is one interval where Prometheus scraped the target at each, but
//     more after a gap without a failed scrape (Prometheus restarted, the
//     target briefly out of discovery): one interval there read the calls
//     of 15 s as 5 s's, 3× the rate, after a gap of two scrapes at the
//     defaults. Failed scrapes before the first success, as a new pod's
//     refused while it starts, do not count against it: required to have
//     all succeeded, a new pod's series made after a failed first scrape
//     and a successful second one read its calls over the time since the
//     start, a third of the rate at the defaults;
//   - or else the target's process started within rateRange: its value is
//     the calls since, made between the start and the scrape that brought
//     the sample: timestamp() of the start time's own sample, taken in the
//     same scrape, less the start time, but at least interval. Over one
//     interval it read up to rateRange ÷ interval times the rate (4× at
//     the defaults) for a new gateway pod first scraped well after its
//     start (discovered late, or its first scrapes refused while it
//     started).
//
// The calls were made since the later of the last successful scrape
// before the sample and the process's start. Where both cases hold, the
// first answers (`or` keeps its left side): it is never the longer span,
// as the process started either before the scrape before the sample, or
// after it, between the two scrapes. Where a scrape failed between two
// successful ones within the range, the first case does not hold though
// the last success may be the scrape before the sample: the second then
// reads a longer span than the calls' (a lower rate), or, the process
// older than the range, none: the first value is left out, as it was
// before wherever a scrape within the range failed.
// The span ends at the sample, not at the evaluation (timestamp(), not
// time()), so the rate does not fall through the interval, as irate()'s
// does not.
//
// It reads series per target, so at every step of the capacity subquery
// it costs little beside the started counter's own series; a check for a
// new series with `offset` cost two more selections of every function's
// series at every step.
func FirstSampleSpan(rateRange, interval time.Duration) string {
	r := model.Duration(rateRange).String()
	// The condition is valued 0: plus the gap, the span.
	return fmt.Sprintf(`(resets(%[1]s[%[2]s]) == 0 and sum_over_time(%[1]s[%[2]s]) >= 2) + %[3]s or clamp_min(timestamp(%[4]s) - %[4]s, %[5]s) and %[6]s`,
		MetricUp, r, PreviousScrapeGap(rateRange, interval), MetricProcessStart, seconds(interval), startedWithin(rateRange))
}

// PreviousScrapeGap is, per scrape target, the seconds between its last two
// scrapes within rateRange: timestamp() of up now less that of the first
// older sample of up an offset reaches, offsets taken every half interval
// up to rateRange, nearest first (`or` keeps the first an offset has).
// An offset short of the last sample's age reads the last sample itself
// (not older: left out); one within a stale stretch (the target out of
// discovery) reads nothing; the first to reach past the last sample is
// within half an interval of it, so short of the one before it unless two
// scrapes were less than half an interval apart, which one target's are
// not. Where the one before lies within rateRange, the last offset
// reaches past it.
//
// Not `up offset <interval>` alone: an evaluation during a slow scrape
// (its samples stored when it ends, stamped with its start) is more than
// one interval after the last sample, and an offset of one interval reads
// the last sample itself. Not a subquery: its steps, aligned to the clock,
// can end before the last sample. `up` is one series a target, so the
// 2 × 2 × rateRange ÷ interval selections cost little.
func PreviousScrapeGap(rateRange, interval time.Duration) string {
	last := fmt.Sprintf(`timestamp(%s)`, MetricUp)
	var b strings.Builder // one term per half interval: appended, not concatenated anew each time
	b.WriteString(last + " - (")
	for d := interval / 2; d <= rateRange; d += interval / 2 {
		if d > interval/2 {
			b.WriteString(" or ")
		}
		fmt.Fprintf(&b, `timestamp(%s offset %s) < %s`, MetricUp, model.Duration(d), last)
	}
	b.WriteString(")")
	return b.String()
}

// FreshRate is a counter's rate over its last scrape interval, per series
// still exported (`and` the instant selector, which a staleness marker
// empties): irate() over rateRange, or, for a series with one sample in it
// where its target says it counted from zero since, that value over the
// time it counted in (FirstSampleSpan: the time since the target's scrape
// before, or since its process started) — irate() starts from a series' second sample, and a
// gateway makes a function's series at the first call it serves. ignoring
// lists the series' labels its target's series lack (function_name, and
// code for the invocation counter). Each series is divided by its own
// target's span, many series to one target (group_left), each scrape job's
// and each HA copy's with its own (their job or replica label differs).
// The spans are taken once per target label set without ignoring's labels
// (max without): two targets alike but for one of them (a target label
// named code, say) would otherwise fail the whole query with a duplicate
// match, where the `and` it replaced matched many to many; the longer span
// reads the lower rate.
func FreshRate(counter string, rateRange, interval time.Duration, ignoring string) string {
	r := model.Duration(rateRange).String()
	return fmt.Sprintf(`(irate(%[1]s[%[2]s]) or last_over_time(%[1]s[%[2]s]) / ignoring (%[3]s) group_left () max without (%[3]s) (%[4]s)) and %[1]s`,
		counter, r, ignoring, FirstSampleSpan(rateRange, interval))
}

// seconds is d as a PromQL number of seconds.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

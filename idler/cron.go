package idler

import (
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // time zones in schedules work in scratch/distroless images too

	"github.com/robfig/cron/v3"
)

// DefaultSchedule is when the idler runs unless configured otherwise.
const DefaultSchedule = "@every 30s"

// parseCron parses a standard five-field cron expression or a descriptor
// (@every, @daily, …) with an optional CRON_TZ=/TZ= prefix. Without a prefix
// the zone is UTC, not the controller's local zone, so the same expression
// means the same instants wherever the controller runs. For the same reason
// the prefix must name a zone, not "Local" (see errLocalZone).
func parseCron(expr string) (sched cron.Schedule, err error) {
	s := strings.TrimSpace(expr)
	if s == "" {
		return nil, errors.New("empty cron expression")
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		// robfig/cron slices up to the first space and panics without one.
		if !strings.ContainsAny(s, " \t") {
			return nil, errors.New("time zone prefix without an expression after it")
		}
		s = strings.Replace(s, "\t", " ", 1)
		if zone := s[strings.IndexByte(s, '=')+1 : strings.IndexByte(s, ' ')]; zone == "Local" {
			return nil, errLocalZone
		}
	} else {
		s = "CRON_TZ=UTC " + s
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("cannot parse: %v", r)
		}
	}()
	sched, err = cron.ParseStandard(s)
	if err != nil {
		return nil, err
	}
	// robfig/cron runs an "@every" under a second (zero and negative too)
	// every second instead: refuse it. Its schedule keeps only the rounded
	// delay, so the interval is read again from the text it parsed.
	if _, ok := sched.(cron.ConstantDelaySchedule); ok {
		const every = "@every "
		if d, err := time.ParseDuration(s[strings.Index(s, every)+len(every):]); err == nil {
			switch {
			case d < time.Second:
				return nil, fmt.Errorf("interval %s must be at least 1s", d)
			case d%time.Second != 0:
				// The delay is kept in whole seconds, the rest dropped:
				// "@every 1500ms" ran every second.
				return nil, fmt.Errorf("interval %s is not a whole number of seconds (cron keeps %s)", d, d.Truncate(time.Second))
			}
		}
	}
	if s, ok := sched.(*cron.SpecSchedule); ok && s.Location != time.UTC {
		sched = jumpSchedule{s}
	}
	// An expression that matches no date (30 February) would make every Next
	// search five years ahead and return zero: refuse it now.
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, errors.New("never fires")
	}
	return sched, nil
}

// errLocalZone refuses CRON_TZ=Local (and TZ=Local), which robfig/cron
// accepts as time.LoadLocation does: the controller process's own zone, UTC
// in most container images and the desk's zone on a laptop, so the same
// schedule would raise minimums (or idle) at other instants depending on
// where the controller runs, which naming a zone promises it does not.
var errLocalZone = errors.New(`zone "Local" is the controller's own time zone (UTC in most containers), ` +
	`so the schedule would change with where the controller runs: name an IANA zone ` +
	`(CRON_TZ=Europe/Paris), or leave the prefix out for UTC`)

// jumpSchedule is a zoned expression whose times that do not exist, skipped
// when the clocks go forward (02:30 on the night summer time starts), fall
// when the clock jumps, as ISC cron runs such a job. robfig/cron skips them:
// a nightly "CRON_TZ=America/New_York 0 2 * * * for 4h = 3" raised nothing
// on that night. The hour that repeats when the clocks go back is left as
// robfig/cron has it (both occurrences), which only holds replicas longer.
type jumpSchedule struct {
	*cron.SpecSchedule
}

// Next is the first activation strictly after t: robfig/cron's, or a jump
// of the clock before it at which a skipped local time matches. Monotone in
// t, as lastActivation needs.
func (j jumpSchedule) Next(t time.Time) time.Time {
	n := j.SpecSchedule.Next(t)
	// robfig/cron (v3.0.1) sees the next day only when the hour wraps to 0:
	// where the clocks jump over midnight (Santiago, Havana, Cairo,
	// Asunción) the hour goes from 23 to 1, the day is never checked again,
	// and the next matching hour of the following day came back (a
	// Saturday entry active on Sunday, a weekly run on the wrong day). An
	// answer that does not match is searched on from.
	for i := 0; i < maxMismatches && !n.IsZero() && !j.matches(n); i++ {
		n = j.SpecSchedule.Next(n)
	}
	if n.IsZero() {
		return n
	}
	if start, _ := t.In(j.Location).ZoneBounds(); !start.IsZero() && t.Sub(start) < changeReach {
		// Within a day after a change of the clocks: the same.
		if m := j.firstMatch(t, t, earlier(n, start.Add(changeReach))); !m.IsZero() {
			n = m
		}
	}
	for cur := t; ; {
		_, end := cur.In(j.Location).ZoneBounds()
		if end.IsZero() || !end.Before(n) {
			return n // no change of the clocks before n
		}
		// robfig/cron's search can also step over real times across a
		// change of the clocks (a change by 30 minutes, Lord Howe's, puts
		// it at xx:30: a daily 03:00 and a Sunday-noon entry lost on the
		// day): the minutes within a day either side of the change are
		// checked one by one, the skipped local times at the change too.
		if m := j.firstMatch(cur, end.Add(-changeReach), end); !m.IsZero() {
			return m
		}
		if j.skippedMatch(end) {
			return end
		}
		if m := j.firstMatch(cur, end, earlier(n, end.Add(changeReach))); !m.IsZero() {
			return m
		}
		cur = end
	}
}

// earlier is the earlier of a and b.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// changeReach is how far from a change of the clocks firstMatch checks
// robfig/cron's answer: its search goes astray only across the change.
const changeReach = 24 * time.Hour

// firstMatch is the first whole minute strictly after t, in [from, to), at
// which the expression matches, zero if none: a search of the local times
// near a change of the clocks minute by minute (2,880 minutes a change at
// most, only for a search that crosses one).
func (j jumpSchedule) firstMatch(t, from, to time.Time) time.Time {
	m := from
	if t.After(m) {
		m = t
	}
	if m = m.Truncate(time.Minute); m.Before(from) || !m.After(t) {
		m = m.Add(time.Minute)
	}
	for ; m.Before(to); m = m.Add(time.Minute) {
		if j.matches(m) {
			return m
		}
	}
	return time.Time{}
}

// maxMismatches bounds the searches on from an answer of robfig/cron that
// does not match: one is wrong only across a jump of the clocks, a few a
// year, and the search from it lands on a matching time.
const maxMismatches = 8

// matches reports whether t, in the expression's zone, is a time the
// expression names (robfig/cron's own rule for the two day fields: both
// must match when either is "*", else either).
func (j jumpSchedule) matches(t time.Time) bool {
	l := t.In(j.Location)
	s := j.SpecSchedule
	in := func(set uint64, v int) bool { return set&(1<<uint(v)) != 0 }
	dom, dow := in(s.Dom, l.Day()), in(s.Dow, int(l.Weekday()))
	day := dom || dow
	if s.Dom&starBit != 0 || s.Dow&starBit != 0 {
		day = dom && dow
	}
	return day && in(s.Month, int(l.Month())) && in(s.Hour, l.Hour()) && in(s.Minute, l.Minute()) && in(s.Second, l.Second())
}

// starBit is robfig/cron's mark of a "*" field (its unexported starBit).
const starBit = 1 << 63

// skippedMatch reports whether at is a jump forward of the clocks over a
// local time the expression matches. The skipped local times are the
// instants [at, at+jump) of a fixed zone at the offset before the jump.
func (j jumpSchedule) skippedMatch(at time.Time) bool {
	_, before := at.Add(-time.Second).In(j.Location).Zone()
	_, after := at.In(j.Location).Zone()
	if after <= before {
		return false // the clocks went back, or only the zone's name changed
	}
	fixed := *j.SpecSchedule
	fixed.Location = time.FixedZone("", before)
	a := fixed.Next(at.Add(-time.Second)) // the first match at or after at
	return !a.IsZero() && a.Before(at.Add(time.Duration(after-before)*time.Second))
}

// scheduleZone is the zone sched's expression is in (nil: none, as for
// "@every").
func scheduleZone(sched cron.Schedule) *time.Location {
	switch s := sched.(type) {
	case *cron.SpecSchedule:
		return s.Location
	case jumpSchedule:
		return s.Location
	}
	return nil
}

// RunSchedule is the idler's own cron schedule.
type RunSchedule struct {
	expr  string
	sched cron.Schedule
}

// ParseRunSchedule validates the --idle-schedule value.
func ParseRunSchedule(expr string) (RunSchedule, error) {
	sched, err := parseCron(expr)
	if err != nil {
		return RunSchedule{}, fmt.Errorf("idle schedule %q: %w", expr, err)
	}
	return RunSchedule{expr: expr, sched: sched}, nil
}

// Next is the first run strictly after now. Pure.
func (r RunSchedule) Next(now time.Time) time.Time { return r.sched.Next(now) }

// String returns the expression as configured.
func (r RunSchedule) String() string { return r.expr }

// SameSchedule says whether two schedule expressions run at the same times:
// "@every 1m" and "@every 60s" do, as do two texts that differ only in the
// whitespace around them. A reload compares with it, not with the text: only
// a change of schedule wakes the idler's Run, and waking it for the same
// "@every" pushed its next run a whole interval later at every reload (a
// config tool rendering the value anew each time starved the idler). An
// expression that does not parse is compared as text.
func SameSchedule(a, b string) bool {
	if strings.TrimSpace(a) == strings.TrimSpace(b) {
		return true
	}
	sa, errA := parseCron(a)
	sb, errB := parseCron(b)
	if errA != nil || errB != nil {
		return false
	}
	// A zoned expression is wrapped (jumpSchedule): compare what it wraps.
	if j, ok := sa.(jumpSchedule); ok {
		sa = j.SpecSchedule
	}
	if j, ok := sb.(jumpSchedule); ok {
		sb = j.SpecSchedule
	}
	switch x := sa.(type) {
	case cron.ConstantDelaySchedule:
		y, ok := sb.(cron.ConstantDelaySchedule)
		return ok && x.Delay == y.Delay
	case *cron.SpecSchedule:
		y, ok := sb.(*cron.SpecSchedule)
		return ok && x.Second == y.Second && x.Minute == y.Minute && x.Hour == y.Hour && x.Dom == y.Dom &&
			x.Month == y.Month && x.Dow == y.Dow && x.Location.String() == y.Location.String()
	}
	return false
}

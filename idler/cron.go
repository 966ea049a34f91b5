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
// means the same instants wherever the controller runs.
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
	// An expression that matches no date (30 February) would make every Next
	// search five years ahead and return zero: refuse it now.
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, errors.New("never fires")
	}
	return sched, nil
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

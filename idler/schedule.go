package idler

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Scheduled minimums raise a function's minimum replica count for periods
// given by cron expressions. The value of MinScheduleLabel (an annotation, or
// a label where the platform allows spaces) is one or more entries separated
// by ";":
//
//	[CRON_TZ=<zone> ]<five-field cron or @daily/@weekly/…> for <Go duration> = <minimum>
//
// e.g. "CRON_TZ=Europe/Paris 0 8 * * 1-5 for 12h = 3; 0 10 * * 6 for 4h = 1":
// at least 3 replicas on weekdays 08:00–20:00 Paris time, 1 on Saturday
// mornings. Without a zone prefix the expression is in UTC. An entry is active
// from an activation time a while now < a + duration; when several are active
// the highest minimum wins.

// MaxScheduleDuration bounds an entry's duration. It also bounds the search
// for the previous activation (see lastActivation): at most
// log2(MaxScheduleDuration/1s) ≈ 20 calls of Next per active entry.
const MaxScheduleDuration = 7 * 24 * time.Hour

// ScheduleEntry is one parsed entry of a min-schedule.
type ScheduleEntry struct {
	Cron  string        // the cron part, as written (with any zone prefix)
	For   time.Duration // how long each activation lasts
	Min   uint64        // the minimum while active
	sched cron.Schedule
}

func (e ScheduleEntry) String() string {
	return fmt.Sprintf("%s for %s = %d", e.Cron, e.For, e.Min)
}

// MinSchedule is a parsed min-schedule value.
type MinSchedule struct {
	Entries []ScheduleEntry
}

// ParseMinSchedule parses a min-schedule value; errors name the entry and the
// part that is wrong.
func ParseMinSchedule(value string) (MinSchedule, error) {
	var out MinSchedule
	for i, raw := range strings.Split(value, ";") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue // tolerate a trailing ";"
		}
		e, err := parseEntry(raw)
		if err != nil {
			return MinSchedule{}, fmt.Errorf("entry %d %q: %w", i+1, raw, err)
		}
		out.Entries = append(out.Entries, e)
	}
	if len(out.Entries) == 0 {
		return MinSchedule{}, errors.New("no entries")
	}
	return out, nil
}

func parseEntry(raw string) (ScheduleEntry, error) {
	cronPart, rest, ok := strings.Cut(raw, " for ")
	if !ok {
		return ScheduleEntry{}, errors.New(`want "<cron> for <duration> = <minimum>"`)
	}
	durPart, minPart, ok := strings.Cut(rest, "=")
	if !ok {
		return ScheduleEntry{}, errors.New(`missing "= <minimum>"`)
	}
	cronPart, durPart, minPart = strings.TrimSpace(cronPart), strings.TrimSpace(durPart), strings.TrimSpace(minPart)
	if strings.Contains(cronPart, "@every") {
		return ScheduleEntry{}, fmt.Errorf("cron %q: @every has no fixed activation times; use a five-field expression", cronPart)
	}
	sched, err := parseCron(cronPart)
	if err != nil {
		return ScheduleEntry{}, fmt.Errorf("cron %q: %w", cronPart, err)
	}
	d, err := time.ParseDuration(durPart)
	if err != nil {
		return ScheduleEntry{}, fmt.Errorf("duration %q: want a Go duration such as 12h", durPart)
	}
	if d <= 0 || d > MaxScheduleDuration {
		return ScheduleEntry{}, fmt.Errorf("duration %q: must be in (0, %s]", durPart, MaxScheduleDuration)
	}
	n, err := strconv.ParseUint(minPart, 10, 64)
	if err != nil || n == 0 {
		return ScheduleEntry{}, fmt.Errorf("minimum %q: want a whole number ≥ 1", minPart)
	}
	return ScheduleEntry{Cron: cronPart, For: d, Min: n, sched: sched}, nil
}

// ActiveEntry is an entry active at some instant.
type ActiveEntry struct {
	Entry ScheduleEntry
	Since time.Time // the activation
	Until time.Time // Since + Entry.For
}

// Active returns the entry with the highest minimum active at now (ties: the
// one lasting longest), and false when none is. Pure.
func (m MinSchedule) Active(now time.Time) (ActiveEntry, bool) {
	var best ActiveEntry
	found := false
	for _, e := range m.Entries {
		a, ok := lastActivation(e.sched, now, e.For)
		if !ok {
			continue
		}
		cand := ActiveEntry{Entry: e, Since: a, Until: a.Add(e.For)}
		if !found || cand.Entry.Min > best.Entry.Min ||
			(cand.Entry.Min == best.Entry.Min && cand.Until.After(best.Until)) {
			best, found = cand, true
		}
	}
	return best, found
}

// Upcoming returns the entry with the highest minimum (ties: the earliest
// activation) whose next activation a is in (now, until]; false when none
// is. (An entry active at now may start again in it too: Active answers
// for now.) The idler asks it when none is active: a function idled now
// would be at zero when such an entry starts, until a later cycle restored
// it. Pure; one call of cron's Next per entry.
func (m MinSchedule) Upcoming(now, until time.Time) (ActiveEntry, bool) {
	var best ActiveEntry
	found := false
	for _, e := range m.Entries {
		a := e.sched.Next(now)
		if a.IsZero() || a.After(until) {
			continue
		}
		cand := ActiveEntry{Entry: e, Since: a, Until: a.Add(e.For)}
		if !found || cand.Entry.Min > best.Entry.Min ||
			(cand.Entry.Min == best.Entry.Min && cand.Since.Before(best.Since)) {
			best, found = cand, true
		}
	}
	return best, found
}

// lastActivation returns the latest activation a of sched with
// now−d < a ≤ now, i.e. the activation whose period covers now.
//
// robfig/cron only computes Next(t) (the first activation strictly after t),
// so: first = Next(now−d); if first > now nothing is active (one call, the
// common case). Otherwise binary-search t in [first, now] for the boundary of
// "Next(t) ≤ now", which is monotone in t, down to one second: activations are
// whole seconds, so the interval (lo, hi] left holds exactly the latest one,
// Next(lo). That is at most ⌈log2(d/1s)⌉ + 2 calls (≤ 22 for
// MaxScheduleDuration), however often the expression fires.
func lastActivation(sched cron.Schedule, now time.Time, d time.Duration) (time.Time, bool) {
	first := sched.Next(now.Add(-d))
	if first.IsZero() || first.After(now) {
		return time.Time{}, false
	}
	if n := sched.Next(first); n.IsZero() || n.After(now) {
		return first, true
	}
	lo, hi := first, now
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if n := sched.Next(mid); !n.IsZero() && !n.After(now) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return sched.Next(lo), true
}

// hasMinSchedule reports whether fn has MinScheduleLabel, as annotation or
// label.
func hasMinSchedule(fn *provider.Function) bool {
	_, a := fn.Annotations[MinScheduleLabel]
	_, l := fn.Labels[MinScheduleLabel]
	return a || l
}

// minScheduleValue reads MinScheduleLabel from annotations, then labels.
func minScheduleValue(fn provider.Function) (string, bool, error) {
	a, aok := fn.Annotations[MinScheduleLabel]
	l, lok := fn.Labels[MinScheduleLabel]
	switch {
	case aok && lok && strings.TrimSpace(a) != strings.TrimSpace(l):
		return "", false, fmt.Errorf("%s differs between the annotation and the label", MinScheduleLabel)
	case aok:
		return a, true, nil
	case lok:
		return l, true, nil
	}
	return "", false, nil
}

// ActiveMinimum is the function's scheduled minimum at now: 0 with an empty
// reason when it has no schedule or none is active. A schedule that does not
// parse is an error naming the label and the bad part. Pure.
func ActiveMinimum(fn provider.Function, now time.Time) (uint64, string, error) {
	return activeMinimum(fn, now, nil)
}

func activeMinimum(fn provider.Function, now time.Time, cache *scheduleCache) (uint64, string, error) {
	v, ok, err := minScheduleValue(fn)
	return activeMinimumOf(v, ok, err, now, cache)
}

// activeMinimumOf is activeMinimum of what minScheduleValue returned.
func activeMinimumOf(v string, ok bool, err error, now time.Time, cache *scheduleCache) (uint64, string, error) {
	if err != nil || !ok {
		return 0, "", err
	}
	if cache != nil {
		return cache.active(v, now)
	}
	ms, err := ParseMinSchedule(v)
	return activeOf(ms, err, now)
}

// activeOf is the scheduled minimum of a parsed value at now, with its
// reason; err is the value's parse error.
func activeOf(ms MinSchedule, err error, now time.Time) (uint64, string, error) {
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", MinScheduleLabel, err)
	}
	act, ok := ms.Active(now)
	if !ok {
		return 0, "", nil
	}
	return act.Entry.Min, describeActive(act), nil
}

// describeUpcoming words an entry that Upcoming found.
func describeUpcoming(a ActiveEntry) string {
	loc := a.Since.Location()
	if z := scheduleZone(a.Entry.sched); z != nil {
		loc = z
	}
	return fmt.Sprintf("scheduled minimum %d starts at %s (schedule %q)", a.Entry.Min,
		a.Since.In(loc).Format("2006-01-02 15:04 MST"), a.Entry.String())
}

func describeActive(a ActiveEntry) string {
	loc := a.Since.Location()
	if z := scheduleZone(a.Entry.sched); z != nil {
		loc = z
	}
	return fmt.Sprintf("schedule %q since %s until %s", a.Entry.String(),
		a.Since.In(loc).Format("2006-01-02 15:04 MST"), a.Until.In(loc).Format("2006-01-02 15:04 MST"))
}

// MinFloor returns the scaler's MinFloor hook: a function's scheduled minimum
// at now, with its reason. A bad schedule yields 0 (the scaler's own minimum
// stands) and is logged once per function and value, not on every call.
func MinFloor(logger *slog.Logger) func(fn provider.Function, now time.Time) (uint64, string) {
	return MinFloorAhead(logger, nil)
}

// MinFloorAhead is MinFloor that also floors a function at a minimum
// starting by the idler's next run after now (next; nil: none, as
// MinFloor). The idler raises a function at zero to such a minimum in its
// last cycle before the start, so that its replicas are ready then
// (schedule_restore.go); the scaler, which saw no active minimum and no
// load, scaled them down again at its next passes, and they were cold at
// the start after all. A function already running is held at the minimum
// from then too, at most one idler interval early.
func MinFloorAhead(logger *slog.Logger, next func(now time.Time) time.Time) func(fn provider.Function, now time.Time) (uint64, string) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cache := &scheduleCache{}
	var mu sync.Mutex
	logged := map[string]bool{}
	return func(fn provider.Function, now time.Time) (uint64, string) {
		if _, ok := fn.Annotations[MinScheduleLabel]; !ok {
			if _, ok := fn.Labels[MinScheduleLabel]; !ok {
				// Most functions have none: answered without passing the
				// function on by value twice (the scaler asks for every
				// function at every pass).
				return 0, ""
			}
		}
		n, reason, err := activeMinimum(fn, now, cache)
		if err == nil {
			if next != nil {
				if until := next(now); until.After(now) {
					v, _, _ := minScheduleValue(fn)
					if up, why := cache.upcoming(v, now, until); up > n {
						return up, why + ", held from the idler's last run before it"
					}
				}
			}
			return n, reason
		}
		v, _, _ := minScheduleValue(fn)
		key := fn.Ref.String() + "\x00" + v
		mu.Lock()
		first := !logged[key]
		if first {
			if len(logged) >= scheduleCacheMax {
				clear(logged)
			}
			logged[key] = true
		}
		mu.Unlock()
		if first {
			logger.Error("scheduled minimum ignored", "function", fn.Ref.String(), "err", err)
		}
		return 0, "invalid " + err.Error()
	}
}

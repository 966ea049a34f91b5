package idler

import (
	"sync"
	"time"
)

// scheduleCache keeps parsed schedules by value so a cycle over 10k functions
// does not re-parse the same expressions, and each value's last answer: the
// functions of a fleet share a few values and a cycle (or a scaler pass)
// asks for all of them at the same instant, so the search for the last
// activation (up to ~22 calls of cron's Next per entry) and the reason's
// formatting run once per value and instant, not once per function.
// Bounded: it is emptied when full.
type scheduleCache struct {
	mu sync.Mutex
	m  map[string]*cachedSchedule
}

type cachedSchedule struct {
	ms  MinSchedule
	err error
	// The answer at `at` (hasAt): Active is pure in (value, now), and at is
	// compared with == (wall, monotonic and location alike), so only the
	// very same instant reuses it.
	at     time.Time
	hasAt  bool
	min    uint64
	reason string
	// The same for upcoming, at (upAt, upUntil).
	upAt, upUntil time.Time
	hasUp         bool
	upMin         uint64
	upReason      string
}

const scheduleCacheMax = 4096

// entry returns v's cache entry, parsing v the first time. c.mu is held.
func (c *scheduleCache) entry(v string) *cachedSchedule {
	if e, ok := c.m[v]; ok {
		return e
	}
	if c.m == nil || len(c.m) >= scheduleCacheMax {
		c.m = make(map[string]*cachedSchedule)
	}
	ms, err := ParseMinSchedule(v)
	e := &cachedSchedule{ms: ms, err: err}
	c.m[v] = e
	return e
}

// active is activeOf for value v at now, computed once per value and instant.
func (c *scheduleCache) active(v string, now time.Time) (uint64, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(v)
	if e.err != nil {
		return activeOf(e.ms, e.err, now)
	}
	if !e.hasAt || e.at != now {
		e.min, e.reason, _ = activeOf(e.ms, nil, now)
		e.at, e.hasAt = now, true
	}
	return e.min, e.reason, nil
}

// upcoming is the highest scheduled minimum of value v that starts in
// (now, until], with its words (MinSchedule.Upcoming); 0 when none does or v
// does not parse (active reports that error). Computed once per value and
// pair of instants.
func (c *scheduleCache) upcoming(v string, now, until time.Time) (uint64, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(v)
	if e.err != nil {
		return 0, ""
	}
	if !e.hasUp || e.upAt != now || e.upUntil != until {
		e.upMin, e.upReason = 0, ""
		if a, ok := e.ms.Upcoming(now, until); ok {
			e.upMin, e.upReason = a.Entry.Min, describeUpcoming(a)
		}
		e.upAt, e.upUntil, e.hasUp = now, until, true
	}
	return e.upMin, e.upReason
}

package scaler

import (
	"encoding/json"
	"time"
)

// Instant is a wall-clock time in nanoseconds since the Unix epoch, 0 for
// none. A Recommendation holds two: with time.Time's location pointer it
// was a type the collector scans, 56 bytes, and the stabilisation list a
// decision copies was a third of a trace replay's bytes allocated (issue
// 12); as Instants it is 24 bytes without pointers. Like the HPA's
// recommendation timestamps it is wall-clock time, without the monotonic
// reading time.Now carries: a step of the system clock moves the window by
// that step.
type Instant int64

// InstantOf is t as an Instant (0 for the zero time).
func InstantOf(t time.Time) Instant {
	if t.IsZero() {
		return 0
	}
	return Instant(t.UnixNano())
}

// Time is i as a time.Time in UTC (the zero time for 0).
func (i Instant) Time() time.Time {
	if i == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(i)).UTC()
}

// MarshalJSON writes i as time.Time does (RFC 3339), so the explain API's
// recommendations read as they did.
func (i Instant) MarshalJSON() ([]byte, error) { return json.Marshal(i.Time()) }

// UnmarshalJSON reads what MarshalJSON writes.
func (i *Instant) UnmarshalJSON(b []byte) error {
	var t time.Time
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	*i = InstantOf(t)
	return nil
}

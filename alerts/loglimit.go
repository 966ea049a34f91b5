package alerts

import (
	"sync"
	"time"
)

// stormLogEvery is the minimum time between two lines of a warning that a
// storm of notifications repeats on every request ("scaler unavailable",
// "truncated the batch", alerts without data): AlertManager retries a 503
// with back-off for every group, and Grafana re-sends its no-data alerts at
// every evaluation, so a line per request flooded the logs. The metrics
// count every occurrence.
const stormLogEvery = 30 * time.Second

// logLimiter lets a warning through at once the first time, then at most
// once per every, and counts what it held back in between, so the next line
// can say how many were left out (what an operator expects of a rate-limited
// log). Time comes from the caller (the handler's injected clock). The zero
// value with every set is ready; it is safe for concurrent use.
type logLimiter struct {
	every time.Duration

	mu         sync.Mutex
	last       time.Time // when the last line went out; zero: never
	suppressed int64
}

// allow reports whether a line may be logged at now and, if so, how many
// were held back since the last one. A clock that steps back counts as
// inside the interval: a line is held rather than repeated.
func (l *logLimiter) allow(now time.Time) (suppressed int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		l.suppressed++
		return 0, false
	}
	suppressed, l.suppressed, l.last = l.suppressed, 0, now
	return suppressed, true
}

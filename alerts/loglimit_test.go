package alerts

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// manualClock is a clock.Clock the test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *manualClock) NewTicker(time.Duration) clock.Ticker { panic("the handler never ticks") }

func TestLogLimiter(t *testing.T) {
	l := logLimiter{every: 30 * time.Second}
	t0 := testTime
	steps := []struct {
		at             time.Duration
		wantOK         bool
		wantSuppressed int64
	}{
		{0, true, 0}, // the first occurrence at once
		{0, false, 0},
		{time.Second, false, 0},
		{29 * time.Second, false, 0},
		{30 * time.Second, true, 3}, // then one line per interval, with the count
		{31 * time.Second, false, 0},
		{5 * time.Minute, true, 1},
		{5*time.Minute - time.Second, false, 0}, // a clock stepped back is inside the interval
		{5*time.Minute + 30*time.Second, true, 1},
	}
	for i, s := range steps {
		suppressed, ok := l.allow(t0.Add(s.at))
		if ok != s.wantOK || (ok && suppressed != s.wantSuppressed) {
			t.Errorf("step %d (at +%v): allow = %d, %v; want %d, %v", i, s.at, suppressed, ok, s.wantSuppressed, s.wantOK)
		}
	}
}

// Under a storm of notifications, "scaler unavailable" and "truncated the
// batch" are logged at once the first time, then at most once per
// stormLogEvery with how many were left out; every answer is still sent.
//
// Seen failing before the limiter: "scaler unavailable": 8 lines after 8
// requests within 20s, want 1 (and "truncated the batch" likewise).
func TestHandlerStormLogsAreRateLimited(t *testing.T) {
	for _, tc := range []struct {
		name, line, fixture string
		sinkErr             error
	}{
		{"unavailable", "scaler unavailable", "am025-ce-firing.json", scaler.ErrUnavailable},
		{"truncated", "truncated the batch", "am025-truncated.json", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			clk := &manualClock{t: testTime}
			sink := &recordingSink{all: tc.sinkErr}
			cfg := testConfig(sink, nil)
			cfg.Logger, cfg.Clock = slogText(&logs), clk
			h := newTestHandler(t, cfg)
			body := readFixture(t, tc.fixture)
			count := func() int { return strings.Count(logs.String(), tc.line) }

			post(h, body)
			if n := count(); n != 1 {
				t.Fatalf("%d %q lines after the first request, want 1 at once:\n%s", n, tc.line, logs.String())
			}
			for range 7 {
				clk.advance(2 * time.Second)
				if w := post(h, body); tc.sinkErr != nil && w.Code != 503 {
					t.Fatalf("code %d, want 503 on every request", w.Code)
				}
			}
			if n := count(); n != 1 {
				t.Errorf("%d %q lines after 8 requests within %v, want 1:\n%s", n, tc.line, stormLogEvery, logs.String())
			}
			clk.advance(stormLogEvery)
			post(h, body)
			if n := count(); n != 2 {
				t.Fatalf("%d %q lines after %v more, want 2:\n%s", n, tc.line, stormLogEvery, logs.String())
			}
			last := logs.String()[strings.LastIndex(logs.String(), tc.line):]
			if !strings.Contains(last, "suppressed_since_last=7") {
				t.Errorf("second line does not count the 7 left out: %s", last)
			}
		})
	}
}

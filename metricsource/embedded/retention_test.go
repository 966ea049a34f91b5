package embedded

import (
	"context"
	"testing"
	"time"
)

// minuteSource is a source scraped every minute (days of history in a few
// thousand scrapes), on a clock the test moves, and a busy function's
// samples at scrape i: its counter moves at every scrape, so it keeps a
// point per scrape of the retention.
func minuteSource(t *testing.T) (*fixedClock, *Source, func(i int)) {
	t.Helper()
	clk := &fixedClock{t: time.Unix(1_700_000_000, 0)}
	cfg := DefaultConfig()
	cfg.Interval, cfg.Clock = time.Minute, clk
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := clk.t
	scrape := func(i int) {
		clk.t = t0.Add(time.Duration(i) * time.Minute)
		src.Observe(clk.t, []Sample{{Metric: MetricStarted, FunctionName: "busy", Value: float64(i)}})
		clk.t = clk.t.Add(time.Second) // asked between scrapes
	}
	return clk, src, scrape
}

func busyPoints(src *Source) (series, scrapes int) {
	src.mu.RLock()
	defer src.mu.RUnlock()
	return len(src.st.fns[fnRef("busy")].find(seriesKey{kind: kindStarted, name: "busy"}).pts), len(src.st.scrapes)
}

const day = 24 * time.Hour

// TestRetentionFollowsTheWindowsStillAsked: the history kept is what the
// windows asked for need, not the longest ever asked. One 3 h activity
// window asked once (a learned keep-alive that reached 3 h, a function
// relabelled since, a config reload lowering the windows) kept 6 h of
// every busy series for as long as the controller ran: at 10,000
// functions, memory that never came down. A window not asked for 8 days
// lapses; the 10 min window asked at every cycle stays.
func TestRetentionFollowsTheWindowsStillAsked(t *testing.T) {
	clk, src, scrape := minuteSource(t)
	ctx := context.Background()
	ask := func(w time.Duration) {
		t.Helper()
		if _, err := src.Activity(ctx, w); err != nil {
			t.Fatalf("activity over %s at %s: %v", w, clk.t, err)
		}
	}
	end := int((8*day + 2*time.Hour) / time.Minute)
	for i := 0; i <= end; i++ {
		scrape(i)
		if i == 60 {
			ask(3 * time.Hour)
		}
		if i >= 2 && i%10 == 0 {
			ask(10 * time.Minute)
		}
		if i == int(7*day/time.Minute) {
			// Within 8 days of the ask: its history is kept.
			if n, _ := busyPoints(src); n < 6*60 {
				t.Fatalf("%d points of the busy series kept 7 days after a 3 h window was asked, want its 6 h lookback", n)
			}
		}
	}
	// The 10 min window's lookback (20 min) is under the default 30 min.
	if n, m := busyPoints(src); n > 32 || m > 32 {
		t.Fatalf("%d points of the busy series and %d scrape times kept 8 days and an hour after a 3 h window was last asked, want the 30 min retention's (about 31)", n, m)
	}
	// Asked again, the long window is uncovered (missing, not zero) until
	// its history has been scraped anew.
	act, err := src.Activity(ctx, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if act.Covered {
		t.Fatalf("a 3 h window asked after its history was dropped reads covered")
	}
}

// TestAWindowAskedWeeklyStaysCovered: a function held up by a minimum
// schedule all week is asked about at the weekend only (the idler asks no
// window of a function a schedule holds up): after the first ask, which
// raises the retention, its window's history is kept from one weekend to
// the next, and the window covered.
func TestAWindowAskedWeeklyStaysCovered(t *testing.T) {
	clk, src, scrape := minuteSource(t)
	ctx := context.Background()
	first := 179 // 2h59m, then a week and a minute later each time
	week := int((7*day + time.Minute) / time.Minute)
	for i := 0; i <= first+3*week; i++ {
		scrape(i)
		if i < first || (i-first)%week != 0 {
			continue
		}
		act, err := src.Activity(ctx, 2*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if i > first && !act.Covered {
			t.Fatalf("a 2 h window asked weekly, at %s: uncovered: %s", clk.t, act.Uncovered)
		}
	}
}

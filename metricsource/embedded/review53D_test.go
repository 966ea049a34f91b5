package embedded

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestReview53DCapacityOverARebaseIsMissingWhereTheGaugeReadsZeroAndCallsFollow:
// doc.go: capacity windows over a rebased page "of one whose gauge peaks at
// 0 there while it has the duration histogram" read missing (its arrivals,
// the larger part, unknown). windowRead.unknownZero tests the peak of the
// gauge AND the arrivals for 0, so a single call after the rebase (arrivals
// 0.1) turns the window present at 0.1, tagged arrivals, while the 20 calls
// of the interval up to the rebase (concurrency 2) are unknown: a busy
// function reads almost idle. A function without the gauge reads missing
// over the same window (blind); the gauge's 0 adds nothing to that.
func TestReview53DCapacityOverARebaseIsMissingWhereTheGaugeReadsZeroAndCallsFollow(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	g := gw{}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	for i := range 5 {
		src.Observe(at(i), g.samples())
	}
	g.call(20, 0.1) // between 4 s and the rebased page at 5 s: unknown
	src.observe(at(5), g.samples(), procRebased, 0)
	g.call(1, 0.1) // one call after it
	src.Observe(at(6), g.samples())
	if v, ok := rebaseCapacity(t, clk, src, at(6).Add(500*time.Millisecond), 3*time.Second); ok {
		t.Errorf("capacity over [3.5 s, 6.5 s], gauge 0 throughout, 20 calls up to the rebase at 5 s unknown, 1 call after: %v present; want missing (the gauge peaks at 0 there, doc.go)", v)
	}
}

// TestReview53DCapacityOverARebaseIsMissingWhereTheGaugeIsGoneButKept: the
// in-flight gauge left the page at 5 s; a 10 s capacity window asked once
// keeps its series (an absence) for 10 s, so hasGauge stays true and blind
// lets a 2 s window over the rebase at 12 s through: it reads the arrivals
// of (10 s, 11 s] alone (5), present, though those up to the rebase are
// unknown. TestCapacityOverARebaseIsMissingOnceTheGaugeIsGone reads the same
// facts as missing once the series is dropped: whether a window is missing
// depends on how long another, longer window keeps an absent series.
func TestReview53DCapacityOverARebaseIsMissingWhereTheGaugeIsGoneButKept(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	g := gw{}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	for i := range 5 {
		src.Observe(at(i), g.samples())
	}
	capacity(t, clk, src, at(4), 10*time.Second) // the gauge is kept 10 s from now on
	g.inflight = -1                              // gone from the page at 5 s
	for i := 5; i < 12; i++ {
		g.call(10, 0.5) // busy: the arrivals read 5 in every step
		src.Observe(at(i), g.samples())
	}
	g.call(10, 0.5)
	src.observe(at(12), g.samples(), procRebased, 0)
	if v, ok := rebaseCapacity(t, clk, src, at(12).Add(500*time.Millisecond), 2*time.Second); ok {
		t.Errorf("capacity over [10.5 s, 12.5 s], no gauge on the page since 5 s (its series still kept) and a rebased page at 12 s: %v present; want missing (the arrivals up to the rebase are unknown)", v)
	}
}

// TestReview53DPageIgnoredForItsTimeDoesNotMoveTheProcess: ScrapeOnce at a
// time not after the last recorded scrape (the controller's clock stepped
// back: Run passes clock.Now()) records nothing (ingest ignores it), yet
// pageProcess has already set Source.started to that page's start time.
// The next page of the new process is then procSame against a history
// whose last recorded page was the old process's:
//   - restart: a function called once before and once after the restart
//     reads 1 then 1, no call (0 present): the very case restart.go's
//     comment names (the idler takes it for idle);
//   - another replica started before the last page (rebase): its 5,000
//     calls from before are counted as calls since (a phantom load).
func TestReview53DPageIgnoredForItsTimeDoesNotMoveTheProcess(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	old := float64(t0.Unix()-7200) + 0.25
	for _, tc := range []struct {
		name  string
		start float64 // the new process's start
		calls float64 // its counter on its pages
		after float64 // ... on the page after the ignored one
	}{
		{name: "restart", start: float64(t0.Unix()) + 3.07, calls: 1, after: 1},
		{name: "replica started before the last page", start: float64(t0.Unix()) + 1.07, calls: 5000, after: 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := func(start, calls float64) string {
				return fmt.Sprintf("process_start_time_seconds %.2f\n%s{function_name=\"f\"} %g\n%s{code=\"200\",function_name=\"f\"} %g\n",
					start, MetricStarted, calls, MetricTotal, calls)
			}
			body := page(old, 1)
			clk := &fixedClock{t: t0}
			cfg := DefaultConfig()
			cfg.Interval, cfg.Clock = 2*time.Second, clk
			cfg.Fetch = func(context.Context) (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader(body)), nil
			}
			src, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			scrape := func(at time.Duration) {
				t.Helper()
				if err := src.ScrapeOnce(context.Background(), t0.Add(at)); err != nil {
					t.Fatalf("scrape at %s: %v", at, err)
				}
			}
			scrape(200 * time.Millisecond)
			scrape(2200 * time.Millisecond)
			body = page(tc.start, tc.calls)
			scrape(1900 * time.Millisecond) // the clock stepped back: not after 2.2 s, ignored
			body = page(tc.start, tc.after)
			scrape(4200 * time.Millisecond)
			clk.t = t0.Add(4700 * time.Millisecond)
			v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 4 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := v[fnRef("f")]
			switch {
			case tc.calls == 1 && ok && got == 0:
				t.Errorf("rps over [0.7 s, 4.7 s] with one call after a restart: 0 present; want 0.25 (or missing), never 0")
			case tc.calls > 1 && ok:
				t.Errorf("rps over [0.7 s, 4.7 s] with another replica's page: %v present; want missing (its calls since the last page are unknown)", got)
			}
		})
	}
}

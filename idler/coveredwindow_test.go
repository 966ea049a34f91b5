package idler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// scrapedSource is fakeSource as the Prometheus source answers it when the
// gateway is scraped every scrapeEvery (the OpenFaaS chart: 5 s): a window
// whose gap bound (metricsource.GapBound, maxGap 30 s) is below the scrape
// interval is never covered. It says so through CoveredWindow, as the
// Prometheus source does.
type scrapedSource struct {
	*fakeSource
	scrapeEvery time.Duration
}

const scrapedMaxGap = 30 * time.Second

func (s scrapedSource) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	act, err := s.fakeSource.Activity(ctx, window)
	if err == nil && metricsource.GapBound(window, scrapedMaxGap) < s.scrapeEvery {
		act.Covered, act.Uncovered = false, "a 4.3s gap without a scrape of the gateway (longest allowed 3.3s)"
	}
	return act, err
}

func (scrapedSource) ShortestCoveredWindow() time.Duration { return 3 * scrapedMaxGap }

// TestAutoZeroNowIsActedOnWithPrometheus: a function with zero-duration
// auto whose plan says "scale to zero at once" (KeepAlive answers 1 s for
// zero_now, periodic, and pre_warm without a burst window) and that has
// had no call for an hour is idled. The idler rounded 1 s up to its
// smallest query window, 10 s, which Prometheus scraping the gateway every
// 5 s never covers (checked against the real binary by the review): the
// function stayed warm for good, missing_data every cycle. Its window is now
// at least the source's shortest covered one. Seen failing before the fix
// (found by a review): "plan saying zero at once: missing_data (...): not
// idled), want idle; queried windows [10s 10s]".
func TestAutoZeroNowIsActedOnWithPrometheus(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	a := ref("a")
	e := newEnv(t, Config{KeepAlive: fixedPolicy{"a": time.Second}},
		function("a", 1, old, optIn(LabelZeroDuration, ZeroDurationAuto)))
	e.src.last[a] = time.Now().Add(-time.Hour) // invoked once, an hour ago
	e.d.cfg.Source = scrapedSource{fakeSource: e.src, scrapeEvery: 5 * time.Second}
	now := time.Now()
	var v Verdict
	for i := range 20 { // ten minutes of cycles at 30 s
		v = verdictOf(e.d.RunOnce(t.Context(), now.Add(time.Duration(i)*30*time.Second)), a)
		if v.Code == CodeIdle {
			if q := e.src.queries()[0]; q != 2*time.Minute {
				t.Errorf("queried over %s, want the source's shortest covered window (1m30s) on the ladder, 2m", q)
			}
			return
		}
	}
	t.Errorf("after 10 minutes quiet (an hour since the last call) with the plan saying zero at once: %s (%s), want idle; queried windows %v",
		v.Code, v.Reason, e.src.queries()[:2])
}

// TestAShortZeroDurationLabelIsActedOnWithPrometheus: a fixed
// zero-duration label under three scrape intervals (10s at a 5 s scrape,
// the Prometheus source's shortest covered window 1m30s) was queried over
// 10s, which the
// source never covers: missing_data every cycle, never idled. It is now
// queried over the shortest covered window, and the reason says so. Seen
// failing before the fix: "missing_data (...): not idled".
func TestAShortZeroDurationLabelIsActedOnWithPrometheus(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	a := ref("a")
	e := newEnv(t, Config{}, function("a", 1, old, optIn(LabelZeroDuration, "10s")))
	e.src.last[a] = time.Now().Add(-time.Hour)
	e.d.cfg.Source = scrapedSource{fakeSource: e.src, scrapeEvery: 5 * time.Second}
	v := verdictOf(e.d.RunOnce(t.Context(), time.Now()), a)
	if v.Code != CodeIdle {
		t.Fatalf("an hour quiet with zero-duration 10s: %s (%s), want idle; queried windows %v", v.Code, v.Reason, e.src.queries())
	}
	if q := e.src.queries()[0]; q != 3*scrapedMaxGap {
		t.Errorf("queried over %s, want the source's shortest covered window %s", q, 3*scrapedMaxGap)
	}
	if !strings.Contains(v.Reason, "1m30s") {
		t.Errorf("reason %q does not name the window it was idled on", v.Reason)
	}
}

package embedded

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestRebasedPageWindowsReadMissing: one gateway replica A serves the URL;
// from 5 s on another, B, answers alone (a rolling upgrade's new pod, the
// old one gone), started after A but before A's last page was scraped. B's
// counters are not A's, and hold B's calls from before that scrape: B's
// first page is a new baseline (procRebased), no calls read from it, and
// a window reaching back over it is not covered and its rate missing, not
// the 0 that a baseline's no increase would read. A window from that page
// on reads B's calls.
func TestRebasedPageWindowsReadMissing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		scraped0 := float64(time.Now().Unix()) // the scrapes' clock
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			start, v := scraped0-7200+0.25, 40.0 // A
			if el >= 5*time.Second {
				// B: started an hour after A, a minute before the source's
				// first scrape; one call a second from 5 s.
				start, v = scraped0-60+0.81, 100+(el-5*time.Second).Seconds()
			}
			b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 2, 64) + "\n")
			counter(b, MetricStarted, "f", "", v)
			counter(b, MetricTotal, "f", "200", v)
		}}
		src := startSource(t, g)
		advance(8*time.Second + 500*time.Millisecond)
		if a := activity(t, src, 6*time.Second); a.Covered || !strings.Contains(a.Uncovered, "do not follow the last page's") {
			t.Errorf("a window over the page of a process not joinable to the last: covered %v (%q), started %v; want not covered, saying why",
				a.Covered, a.Uncovered, a.Started[fnRef("f")])
		}
		if v := load(t, src, metricsource.TypeRPS, 6*time.Second); len(v) != 0 {
			t.Errorf("rps over a window over the new baseline: %v; want missing", v)
		}
		if a := activity(t, src, 3*time.Second); !a.Covered || a.Started[fnRef("f")] != 3 {
			t.Errorf("a window from the new baseline on (B's calls at 6, 7, 8 s): covered %v (%s), started %v; want covered, 3",
				a.Covered, a.Uncovered, a.Started[fnRef("f")])
		}
		if v := load(t, src, metricsource.TypeRPS, 3*time.Second); v[fnRef("f")] != 1 {
			t.Errorf("rps from the new baseline on: %v; want 1", v)
		}
	})
}

// TestRestartReadEarlierLosesTheGapAsMissing: a gateway restarted in place
// while the node's clock was stepped back, so that the new process's start
// time reads earlier than the old one's: taken for another replica, its
// pages are refused until ten in a row come from it, and its first page
// read is a new baseline. Its calls in the refused gap are lost: a window
// spanning the gap reads not covered (missing, not 0), and one from the
// baseline on reads the calls since.
func TestRestartReadEarlierLosesTheGapAsMissing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			start, v := 1.7e9+0.25, 10.0 // the old process, idle
			if el >= 5*time.Second {
				// Restarted: one call a second since, its start time read
				// 100 s earlier.
				start, v = 1.7e9-100+0.67, (el - 4*time.Second).Seconds()
			}
			b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 2, 64) + "\n")
			counter(b, MetricStarted, "f", "", v)
			counter(b, MetricTotal, "f", "200", v)
		}}
		src := startSource(t, g)
		advance(20*time.Second + 500*time.Millisecond) // refused 5–13 s, read again from 14 s
		if a := activity(t, src, 10*time.Second); a.Covered || a.Started[fnRef("f")] > 6 {
			t.Errorf("a window over the refused gap: covered %v (%s), started %v; want not covered, and no more than the 6 calls since the baseline",
				a.Covered, a.Uncovered, a.Started[fnRef("f")])
		}
		if a := activity(t, src, 5*time.Second); !a.Covered || a.Started[fnRef("f")] != 5 {
			t.Errorf("a window after the new baseline: covered %v (%s), started %v; want covered, 5", a.Covered, a.Uncovered, a.Started[fnRef("f")])
		}
		if at, ok := src.LastActivity(fnRef("f")); !ok || at.Before(time.Now().Add(-time.Second)) {
			t.Errorf("LastActivity %s, %v; want the last scrape (a call a second)", at, ok)
		}
	})
}

package embedded

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestReview51KRestartInPlaceBetweenScrapesIsActivity: the gateway's
// container restarts in place between two successful scrapes (a crash and
// an immediate restart, shorter than the scrape interval; a new
// process_start_time_seconds on the page). Function "rare" had been called
// once (started 1) by the old process; it is called once more right after
// the restart, and the new process re-creates its counter at 1. The
// embedded source sees 1 then 1 and reads no call: Started 0 over a window
// holding that call, Covered, so the idler would scale a function called a
// second ago to zero. The Prometheus source tells this restart from
// process_start_time_seconds (promql.RestartedWithin, "a call right after
// a restart, before the next scrape, counted 1 where the old process had 1
// too, and read 0"); the embedded source ignores that series
// (scrape.go samplesOf keeps only the gateway_* series), so it answers
// "idle" where the Prometheus source answers "called". Expected: at least
// 1 started call in the window (missing is not zero; towards "active").
func TestReview51KRestartInPlaceBetweenScrapesIsActivity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			start := 1.7e9
			if el >= 20300*time.Millisecond { // restarted at 20.3 s, "rare" called at 20.5 s
				start += 20.3
			}
			b.WriteString("# TYPE process_start_time_seconds gauge\n")
			b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 3, 64) + "\n")
			if el < 20300*time.Millisecond || el >= 20500*time.Millisecond {
				counter(b, MetricStarted, "rare", "", 1)
				counter(b, MetricTotal, "rare", "200", 1)
			}
		}}
		src := startSource(t, g)
		advance(22*time.Second + 500*time.Millisecond)
		act := activity(t, src, 5*time.Second) // [17.5, 22.5]: the call at 20.5 in it
		if !act.Covered {
			t.Fatalf("not covered: %s", act.Uncovered)
		}
		if n, ok := act.Started[fnRef("rare")]; !ok || n < 1 {
			t.Errorf("rare, called at 20.5s through a gateway restarted in place at 20.3s: started %v (present %v) over the last 5s, covered; want at least 1", n, ok)
		}
	})
}

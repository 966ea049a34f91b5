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

// TestReview53HPageAtTheSameTimeAsTheLastDoesNotMoveTheProcess: a scrape
// at exactly the time of the last recorded one (the clock stood still)
// is ignored by ingest ("time went backwards or stood still"), but
// observePage tells a recorded page by the last scrape's time equalling
// now, which it does for this ignored page too: Source.started (and
// servedAt) move to the ignored page's process. The next page of the new
// process is then procSame against a history whose last recorded page was
// the old process's, the case observePage exists for (review 53D):
//   - restart: a function called once before and once after the restart
//     reads 1 then 1, no call (0 present);
//   - another replica started before the last page: its 5,000 calls from
//     before are counted as calls since.
func TestReview53HPageAtTheSameTimeAsTheLastDoesNotMoveTheProcess(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	old := float64(t0.Unix()-7200) + 0.25
	for _, tc := range []struct {
		name  string
		start float64 // the new process's start
		calls float64 // its counter on its pages
	}{
		{name: "restart", start: float64(t0.Unix()) + 3.07, calls: 1},
		{name: "replica started before the last page", start: float64(t0.Unix()) + 1.07, calls: 5000},
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
			scrape(2200 * time.Millisecond) // the clock stood still: not after 2.2 s, ignored
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

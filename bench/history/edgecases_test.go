package history

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
)

// TestReplicaHistoryLogSaysWhatWasRead: ZeroedFrom is zero both when the
// replica history was read whole and when none of it was (ZeroedErr); the
// log of a rebuild that read none must not say it read the span.
func TestReplicaHistoryLogSaysWhatWasRead(t *testing.T) {
	end := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	failed := errors.New("context deadline exceeded")
	for _, tc := range []struct {
		name string
		rep  keepalive.RebuildReport
		want string
	}{
		{"whole", keepalive.RebuildReport{}, "the last 24h0m0s"},
		{"newest first, to the bound", keepalive.RebuildReport{ZeroedFrom: end.Add(-2 * time.Hour)}, "the last 2h0m0s"},
		{"newest first, then an error", keepalive.RebuildReport{ZeroedFrom: end.Add(-2 * time.Hour), ZeroedErr: failed},
			"the last 2h0m0s, then: context deadline exceeded"},
		{"none", keepalive.RebuildReport{ZeroedErr: failed}, "none read: context deadline exceeded"},
	} {
		if got := replicaHistoryRead(tc.rep, 24*time.Hour, end); got != tc.want {
			t.Errorf("%s: logged %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestDayEndingOnABlockBoundaryKeepsItsLastScrape: writeDay writes every
// scrape from the day's start to its end, both included, wherever the end
// falls against the 2 h blocks. The end is dayOnPrometheus' minute, on a
// block's boundary at every even hour.
func TestDayEndingOnABlockBoundaryKeepsItsLastScrape(t *testing.T) {
	const scrape = 15 * time.Second
	for _, to := range []time.Time{
		time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC), // a block's boundary
		time.Date(2026, 12, 7, 14, 1, 0, 0, time.UTC), // inside a block
	} {
		// One function never called: its replica gauge and the gateway's
		// start time, one sample each a scrape.
		d := &day{from: to.Add(-3 * time.Hour), to: to, scrape: scrape, calls: make([][]int32, 1)}
		samples, err := writeDay(t.Context(), t.TempDir(), d)
		if err != nil {
			t.Fatal(err)
		}
		if want := 2 * (int(3*time.Hour/scrape) + 1); samples != want {
			t.Errorf("a day ending at %s: %d samples written, want %d (every scrape to the end, included)", to.Format("15:04"), samples, want)
		}
	}
}

// TestSettleUnderAMinuteIsRefused: the figure logged after HISTORY_SETTLE
// is the last minute's mean; a shorter settle made it the mean of the
// seconds right after the fill, under that name.
func TestSettleUnderAMinuteIsRefused(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "HISTORY_SETTLE" {
				return v
			}
			return ""
		}
	}
	for _, v := range []string{"30s", "59s", "0s", "-1m", "soon"} {
		if d, err := settleSetting(env(v)); err == nil || !strings.Contains(err.Error(), "HISTORY_SETTLE") {
			t.Errorf("HISTORY_SETTLE=%s: %v, %v; want an error naming HISTORY_SETTLE", v, d, err)
		}
	}
	for v, want := range map[string]time.Duration{"": time.Minute, "1m": time.Minute, "3m": 3 * time.Minute} {
		if d, err := settleSetting(env(v)); err != nil || d != want {
			t.Errorf("HISTORY_SETTLE=%q: %v, %v; want %v", v, d, err, want)
		}
	}
}

package keepalive

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview53KRebuildCountsOnTimeAFirstCallThroughAGatewayRestartedAndScrapedSinceWhateverTheParts:
// gw-a is restarted in place at minute 20 (new process start time, the
// old process's cron series stale from then: the gateway makes a series
// at a function's first call) and scraped every minute after it: its
// start time is read at every step. "fresh" is first called through it
// at 35. The feeder sights gw-a at every read by its start time alone
// (epochs.go: "a gateway restarted and not called since has its start
// time read without counters") and counts that call on time; the rebuild
// read whole does too. Read in parts, the parts from 21 to 34 name no
// counter of gw-a, so its start times are not asked for there
// (startTimes names only instances with counters in the part), and the
// rebuild takes gw-a for unscraped since 20: fresh's first call counts
// late, unlike the feeder and unlike the same history read whole
// (rebuildpresence_test: "The same read whole and in parts").
func TestReview53KRebuildCountsOnTimeAFirstCallThroughAGatewayRestartedAndScrapedSinceWhateverTheParts(t *testing.T) {
	defer func(n int) { rebuildMaxPoints = n }(rebuildMaxPoints)
	series := []*model.SampleStream{
		counterAt("cron.openfaas-fn", "gw-a", map[int]float64{0: 1, 1: 2, 20: math.NaN()}),
		counterAt("fresh.openfaas-fn", "gw-a", map[int]float64{35: 1, 40: 2, 50: 3}),
	}
	starts := []*model.SampleStream{startedAt("gw-a", map[int]float64{0: startedBefore, 20: startedAfter})}
	fresh := provider.Ref{Name: "fresh", Namespace: "openfaas-fn"}
	want := wantFresh(t, 35, false)
	for _, points := range []int{1 << 30, 14, 2} {
		rebuildMaxPoints = points
		f := &restartHistory{ranged: &ranged{}, starts: starts}
		f.series = series
		p := mustPolicy(t)
		if _, err := p.Rebuild(t.Context(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn"); err != nil {
			t.Fatal(err)
		}
		if got := learned(p, fresh); got != want {
			t.Errorf("parts of %d points: fresh learned %s, want %s (its first call at 35 on time: gw-a's start time was read at every step since its restart at 20)", points, got, want)
		}
	}
}

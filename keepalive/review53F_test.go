package keepalive

import (
	"math"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview53FRebuildCountsAFunctionFirstCalledThroughAGatewayBackAfterAnUnscrapedSpanLate:
// the rebuild replays what the feeder read, and since session 53 the
// feeder counts a counter first seen when its gateway is back after an
// unscraped span late (metricsource.Total.GatewaySeen, docs/sim.md: "so
// are those of a counter first seen when its gateway is back after as many
// reads without it ... a function first called through it meanwhile"):
// its calls were made anywhere in the span. gw-a is not scraped from
// minute 10 to 29 (its start time and cron's counter missing from those
// steps); "fresh" was first called through it meanwhile, its counter
// first read at 30, then called at 40 and 50. The feeder counts the call
// read at 30 late (it ends no idle time and starts none); the rebuild of
// the same history, at the next restart, counts it on time at 30 and
// learns an idle time from 30 to 40 that nobody observed. The rebuild
// must learn what the feeder learned.
func TestReview53FRebuildCountsAFunctionFirstCalledThroughAGatewayBackAfterAnUnscrapedSpanLate(t *testing.T) {
	f := &restartHistory{ranged: &ranged{}}
	f.series = append(f.series,
		counterAt("cron.openfaas-fn", "gw-a", map[int]float64{0: 1, 1: 2, 10: math.NaN(), 30: 3, 45: 4}),
		counterAt("fresh.openfaas-fn", "gw-a", map[int]float64{30: 1, 40: 2, 50: 3}),
	)
	f.starts = append(f.starts, startedAt("gw-a", map[int]float64{0: startedBefore, 10: math.NaN(), 30: startedBefore}))
	p := mustPolicy(t)
	if _, err := p.Rebuild(t.Context(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn"); err != nil {
		t.Fatal(err)
	}
	fresh := provider.Ref{Name: "fresh", Namespace: "openfaas-fn"}
	want := mustPolicy(t)
	want.ObserveLateCount(fresh, atMinute(30).Time(), time.Minute, 1)
	want.ObserveCount(fresh, atMinute(40).Time(), time.Minute, 1)
	want.ObserveCount(fresh, atMinute(50).Time(), time.Minute, 1)
	if got, w := learned(p, fresh), learned(want, fresh); got != w {
		t.Errorf("fresh learned %s, want %s (its first counter value, read when gw-a was back after 20 unscraped minutes, late as the feeder counts it)", got, w)
	}
	// cron, held across the span, is late already (rebuildLateSteps).
	cron := provider.Ref{Name: "cron", Namespace: "openfaas-fn"}
	wantCron := mustPolicy(t)
	wantCron.ObserveCount(cron, atMinute(1).Time(), time.Minute, 1)
	wantCron.ObserveLateCount(cron, atMinute(30).Time(), time.Minute, 1)
	wantCron.ObserveCount(cron, atMinute(45).Time(), time.Minute, 1)
	if got, w := learned(p, cron), learned(wantCron, cron); got != w {
		t.Errorf("cron learned %s, want %s", got, w)
	}
}

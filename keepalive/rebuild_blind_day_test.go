package keepalive

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildCountsNoCallsOfAGatewayBlindForADay: a gateway's process start
// time is missing for 25 hours (its process collector failing) while its
// counter is read at every step, and back unchanged; the function is called
// once, at hour 27. The rebuild learns that call alone: it names series by
// function and instance, never by start time (nothing is renamed when a
// start time is forgotten, as the live source's epochs were after a day:
// every series counted its whole value), it forgets no gateway within a
// lookback (gatewaySteps), and a value without a start time is read as no
// restart (seriesCounts), however long the start time is missing.
func TestRebuildCountsNoCallsOfAGatewayBlindForADay(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	const step = 10 * time.Minute
	stepAt := func(i int) model.Time { return model.TimeFromUnixNano(t0.Add(time.Duration(i) * step).UnixNano()) }
	counter := &model.SampleStream{Metric: model.Metric{"function_name": "fn.openfaas-fn", "instance": "gw:8080"}}
	starts := &model.SampleStream{Metric: model.Metric{"instance": "gw:8080"}}
	const steps = 28 * 6 // t0 to hour 28
	for i := 0; i <= steps; i++ {
		n := 50.0
		if i >= 27*6 {
			n = 51 // called once in the step ending at hour 27
		}
		counter.Values = append(counter.Values, model.SamplePair{Timestamp: stepAt(i), Value: model.SampleValue(n)})
		if i < 6 || i >= 26*6 { // missing from hour 1 to 26
			starts.Values = append(starts.Values, model.SamplePair{Timestamp: stepAt(i), Value: startedBefore})
		}
	}
	f := &restartHistory{ranged: &ranged{series: model.Matrix{counter}}, starts: model.Matrix{starts}}
	p := mustPolicy(t)
	if _, err := p.Rebuild(t.Context(), f, t0.Add(steps*step), steps*step, step, "openfaas-fn"); err != nil {
		t.Fatal(err)
	}
	want := mustPolicy(t)
	want.ObserveCount(ref, stepAt(27*6).Time(), step, 1)
	if got, w := learned(p, ref), learned(want, ref); got != w {
		t.Errorf("learned %s, want %s: one call, at hour 27", got, w)
	}
}

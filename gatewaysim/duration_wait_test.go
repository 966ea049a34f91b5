package gatewaysim

import (
	"testing"
	"testing/synctest"
	"time"
)

// secondsOf returns gateway_functions_seconds{function_name,code}'s sample
// count and sum.
func secondsOf(t *testing.T, g *Gateway, name, code string) (count uint64, sum float64) {
	t.Helper()
	mfs, err := g.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "gateway_functions_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var fn, c string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "function_name":
					fn = l.GetValue()
				case "code":
					c = l.GetValue()
				}
			}
			if fn == name && c == code {
				return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
			}
		}
	}
	return 0, 0
}

// TestDurationExcludesScaleFromZeroWait: the OpenFaaS gateway
// times a request in its forwarding proxy (start := time.Now() right before
// forwardRequest, after the "started" notification), and the scale-from-zero
// handler wraps that proxy, so the wait for a replica is not in
// gateway_functions_seconds (sim/policy.go says the same of the trace
// simulator: "a scale from zero not"). The simulated gateway adds the wait
// to every held request's duration.
//
// Scenario: function at 0, scale from zero, cold start 5s, 100ms calls at
// 10 rps for 8s. Every 200 must be observed at about 100ms (≤ 0.1s + one
// 100ms step); the held ones are observed at up to 5.1s instead, and the
// mean duration the capacity type multiplies arrivals by is inflated.
// Found by a review helper.
func TestDurationExcludesScaleFromZeroWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := coldGateway(t, 0, 5*time.Second, Config{ScaleFromZero: true})
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 100 * time.Millisecond})
		run(t, g, 8*time.Second)
		n, sum := secondsOf(t, g, ref.String(), "200")
		if n == 0 {
			t.Fatal("no request completed after the cold start")
		}
		mean := sum / float64(n)
		if mean > 0.2 {
			t.Errorf("gateway_functions_seconds{code=\"200\"} mean = %.3fs over %d requests (sum %.1fs); want ≈0.1s, the function's "+
				"service time: the real gateway starts its timer after the scale-from-zero wait", mean, n, sum)
		}
	})
}

// TestTimedOutColdStartDurationExcludesWait: the same for a
// request whose scale-from-zero polling ran out: the gateway then forwards
// it and times only that forward (which fails at once with no endpoint),
// so its gateway_functions_seconds observation is near 0, not the
// ColdStartTimeout it waited (100s by default).
// Found by a review helper.
func TestTimedOutColdStartDurationExcludesWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := coldGateway(t, 0, time.Hour, Config{ScaleFromZero: true, ColdStartTimeout: 2 * time.Second})
		g.SetWorkload(ref, Workload{Load: Constant(5), Duration: 100 * time.Millisecond})
		run(t, g, 3*time.Second+50*time.Millisecond)
		n, sum := secondsOf(t, g, ref.String(), "502")
		if n == 0 {
			t.Fatal("no request timed out")
		}
		if mean := sum / float64(n); mean > 0.2 {
			t.Errorf("gateway_functions_seconds{code=\"502\"} mean = %.3fs over %d requests; want ≈0: the gateway times the forward "+
				"after polling runs out, not the 2s wait before it", mean, n)
		}
	})
}

package embedded

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestInflightFromCountersWithoutGauge: an OpenFaaS CE gateway exports no
// in-flight gauge. A call that started before the idler's window and is
// still running showed as no activity (nothing started in the window,
// in-flight unknown), and the function was scaled to zero under it. The
// counters tell it: started before the proxy call, the invocation total
// when it ends, so their difference is in flight.
func TestInflightFromCountersWithoutGauge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			s := el.Seconds()
			b.WriteString("# TYPE gateway_function_invocation_started counter\n")
			// long: 3 calls at 1 s; two end at 2 s (one 502), the third
			// runs until 40 s.
			counter(b, MetricStarted, "long", "", 3)
			ended200, ended502 := 1.0, 1.0
			if s >= 40 {
				ended200 = 2
			}
			counter(b, MetricTotal, "long", "200", ended200)
			counter(b, MetricTotal, "long.openfaas-fn", "502", ended502) // the other form of the name
			// first: its first call is running: no total series yet.
			counter(b, MetricStarted, "first", "", 1)
			// odd: the scrape read a total above the started count.
			counter(b, MetricStarted, "odd", "", 2)
			counter(b, MetricTotal, "odd", "200", 3)
			// legacy: no started counter, so nothing to take the total from.
			counter(b, MetricTotal, "legacy", "200", 4)
		}}
		src := startSource(t, g)
		advance(30*time.Second + 500*time.Millisecond)

		a := activity(t, src, 10*time.Second)
		if a.Started[fnRef("long")] != 0 {
			t.Fatalf("long started %v in the window, want 0 (the test needs a call older than the window)", a.Started[fnRef("long")])
		}
		want := metricsource.Values{fnRef("long"): 1, fnRef("first"): 1, fnRef("odd"): 0}
		if len(a.Inflight) != len(want) {
			t.Errorf("in flight %v, want %v (legacy has no started counter: unknown)", a.Inflight, want)
		}
		for ref, v := range want {
			if got, ok := a.Inflight[ref]; !ok || got != v {
				t.Errorf("%s in flight = %v (present %v), want %v", ref, got, ok, v)
			}
		}

		advance(10 * time.Second) // 40.5 s: the long call has ended
		if got, ok := activity(t, src, 10*time.Second).Inflight[fnRef("long")]; !ok || got != 0 {
			t.Errorf("long in flight after its call ended = %v (present %v), want 0", got, ok)
		}
	})
}

package prometheus

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestStartedFallbackPerGateway: a rolling upgrade, two gateway replicas
// (two instances of one job) of which "new" exports the started counter
// and "old" only the invocation counter. The fallback to the invocation
// counter is decided per replica, as the embedded source and the
// keep-alive's queries decide it (promql.StartedCountersMatching):
//   - f: called once through new before the test (started and total at 1
//     there), then 2/s through old only: its calls are old's invocation
//     counter. Decided per function, new's started counter hid them and f
//     read 0 started, covered: idle under its traffic;
//   - g: 3 started and 2 ended on new (1 in flight), 5 ended on old: 1 in
//     flight. Derived from every replica's total against new's started, it
//     read max(3 − 7, 0) = 0 in flight under a running call;
//   - h: on new alone, 2/s counted by the started counter under the bare
//     name and by the invocation counter under the qualified one (the two
//     forms of one function's name): new has the started counter for h, so
//     its invocation counter is not read for it, under either name;
//   - l: 1/s through old alone, no started counter anywhere: its
//     invocation counter, and no in-flight reading (none is known).
func TestStartedFallbackPerGateway(t *testing.T) {
	exNew, exOld := teststack.NewExporter(t), teststack.NewExporter(t)
	upd, old := teststack.NewGatewayMetrics(exNew.Registry), teststack.NewGatewayMetrics(exOld.Registry)
	upd.Started.WithLabelValues("f").Inc()
	upd.Total.WithLabelValues("f", "200").Inc()
	upd.Started.WithLabelValues("g").Add(3)
	upd.Total.WithLabelValues("g", "200").Add(2)
	old.Total.WithLabelValues("g", "200").Add(5)

	start := time.Now()
	var mu sync.Mutex
	done := map[string]int{}
	calls := func(key string, rate float64, fn func()) {
		for ; done[key] < int(time.Since(start).Seconds()*rate); done[key]++ {
			fn()
		}
	}
	stop := teststack.Every(t, 50*time.Millisecond, func() {
		mu.Lock()
		defer mu.Unlock()
		calls("f", 2, func() { old.Total.WithLabelValues("f", "200").Inc() })
		calls("h", 2, func() {
			upd.Started.WithLabelValues("h").Inc()
			upd.Total.WithLabelValues("h.openfaas-fn", "200").Inc()
		})
		calls("l", 1, func() { old.Total.WithLabelValues("l", "200").Inc() })
	})
	defer stop()

	p := teststack.Prometheus(t, teststack.PromOptions{ScrapeTargets: []teststack.Target{
		{Job: "gateway", URL: exNew.Addr()}, {Job: "gateway", URL: exOld.Addr()}}})
	src := gatewaySource(t, p, func(c *Config) { c.MaxScrapeGap = 3 * time.Second })
	p.WaitUp(t, "gateway")
	const window = 8 * time.Second
	p.WaitFor(t, "both replicas scraped for a window", func(ctx context.Context) (bool, error) {
		v, _, _, err := p.API().Query(ctx, `count(count_over_time(up[12s]) >= 12) == 2`, time.Now())
		vec, _ := v.(model.Vector)
		return err == nil && len(vec) == 1, err
	})
	act, err := src.Activity(context.Background(), window)
	if err != nil {
		t.Fatal(err)
	}
	if !act.Covered {
		t.Fatalf("not covered: %s", act.Uncovered)
	}
	ref := func(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }
	within(t, "f started (old replica's invocation counter)", act.Started, ref("f"), 2*window.Seconds(), 0.3)
	within(t, "h started (not also its invocation counter under the qualified name)", act.Started, ref("h"), 2*window.Seconds(), 0.3)
	within(t, "l started (invocation counter only)", act.Started, ref("l"), window.Seconds(), 0.3)
	if v, ok := act.Inflight[ref("g")]; v != 1 {
		t.Errorf("g in flight = %v (present %v), want 1: 3 started and 2 ended on the replica with the started counter", v, ok)
	}
	if v, ok := act.Inflight[ref("l")]; ok {
		t.Errorf("l in flight = %v, want none: no started counter on any replica", v)
	}
	counts, err := src.StartedCounts(context.Background(), window, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		if c.Ref == ref("f") && c.N < window.Seconds() {
			t.Errorf("StartedCounts: f = %v, want about %v", c.N, 2*window.Seconds())
		}
	}
}

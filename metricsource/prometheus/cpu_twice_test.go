package prometheus

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestCPUSeriesStoredTwice: the same pod's cpu counter reaches the query
// twice, differing only in job (two scrape jobs, or, as gateway.go says of
// the gateway's series, an HA pair read through a querier without
// deduplication, where the copies differ in the replica label). rps,
// capacity and queue collapse such copies (promql.OncePerGateway); the cpu
// query summed every series by function_name, so one busy core read 2000m
// and the function was scaled to twice the replicas it needed. Found by a
// review (helper-119).
func TestCPUSeriesStoredTwice(t *testing.T) {
	ex := teststack.NewExporter(t)
	cpu := newCPUCounter(ex.Registry)
	start := time.Now()
	var done float64
	stop := teststack.Every(t, 50*time.Millisecond, func() {
		el := time.Since(start).Seconds() // one busy core
		cpu.Add(el - done)
		done = el
	})
	defer stop()
	p := teststack.Prometheus(t, teststack.PromOptions{ScrapeTargets: []teststack.Target{
		{Job: "kubelet", URL: ex.Addr()}, {Job: "kubelet-resource", URL: ex.Addr()},
	}})
	src := gatewaySource(t, p, nil)
	p.WaitFor(t, "8 scrapes of both jobs", func(ctx context.Context) (bool, error) {
		v, _, _, err := p.API().Query(ctx, `count(count_over_time(up[8s]) >= 8) == 2`, time.Now())
		vec, _ := v.(model.Vector)
		return err == nil && len(vec) == 1, err
	})
	got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCPU, Window: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got[busy]; !ok || v > 1300 {
		t.Errorf("busy cpu = %.0fm (present %v), want about 1000m: one pod's one busy core, stored twice", v, ok)
	}
}

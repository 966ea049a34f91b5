package prometheus

import (
	"context"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestQueueBacklogOverTwoQueues: a function receiving on two queues
// (faas-request with 10 messages waiting, slow-queue with 30), each read by
// two queue-worker replicas that report the same backlog, one running 2
// messages and one 1. Its queue load is 10 + 30 waiting plus 3 running,
// 43. The average over every pending series of the function read 20 + 3:
// half the backlog.
func TestQueueBacklogOverTwoQueues(t *testing.T) {
	fn := provider.Ref{Name: "two", Namespace: "openfaas-fn"}
	var targets []teststack.Target
	for i, running := range []float64{2, 1} {
		ex := teststack.NewExporter(t)
		pending := prom.NewGaugeVec(prom.GaugeOpts{Name: metricQueue, Help: "x"}, []string{"queue_name", "function_name"})
		inflight := prom.NewGaugeVec(prom.GaugeOpts{Name: metricQueueRun, Help: "x"}, []string{"function_name"})
		ex.Registry.MustRegister(pending, inflight)
		pending.WithLabelValues("faas-request", "two.openfaas-fn").Set(10)
		pending.WithLabelValues("slow-queue", "two.openfaas-fn").Set(30)
		inflight.WithLabelValues("two.openfaas-fn").Set(running)
		targets = append(targets, teststack.Target{Job: "queue-worker-" + string(rune('a'+i)), URL: ex.Addr()})
	}
	p := teststack.Prometheus(t, teststack.PromOptions{ScrapeTargets: targets})
	src := gatewaySource(t, p, nil)
	p.WaitUp(t, targets[0].Job)
	p.WaitUp(t, targets[1].Job)
	// Both workers' series stored, as an event (not a sleep).
	p.WaitFor(t, "both workers' series", func(ctx context.Context) (bool, error) {
		v, _, _, err := p.API().Query(ctx, `count(`+metricQueue+`) == 4 and count(`+metricQueueRun+`) == 2`, time.Now())
		vec, _ := v.(model.Vector)
		return err == nil && len(vec) == 1, err
	})
	got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got[fn] != 43 {
		t.Fatalf("queue load of a function on two queues = %v, want 10 + 30 waiting + 3 running = 43", got[fn])
	}
}

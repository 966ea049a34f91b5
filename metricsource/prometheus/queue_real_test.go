package prometheus

import (
	"context"
	"fmt"
	"strings"
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
func TestQueueBacklogOverTwoQueues(t *testing.T) { queueBacklogTwoQueues(t, 1) }

// TestQueueBacklogScrapedByTwoJobs: the same two queue workers, each
// scraped by two jobs (a pod-annotation job and a PodMonitor): every series
// stored twice, differing only in job. The load is still 43; the running
// messages were summed over both copies (46), as the generated record had
// them before it took each worker instance once.
func TestQueueBacklogScrapedByTwoJobs(t *testing.T) { queueBacklogTwoQueues(t, 2) }

func queueBacklogTwoQueues(t *testing.T, jobs int) {
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
		for j := range jobs {
			targets = append(targets, teststack.Target{Job: "queue-worker-" + string(rune('a'+i)) + strings.Repeat("-podmonitor", j), URL: ex.Addr()})
		}
	}
	p := teststack.Prometheus(t, teststack.PromOptions{ScrapeTargets: targets})
	src := gatewaySource(t, p, nil)
	for _, tg := range targets {
		p.WaitUp(t, tg.Job)
	}
	// Every worker's series stored, as an event (not a sleep).
	p.WaitFor(t, "every worker's series", func(ctx context.Context) (bool, error) {
		q := fmt.Sprintf(`count(%s) == %d and count(%s) == %d`, metricQueue, 4*jobs, metricQueueRun, 2*jobs)
		v, _, _, err := p.API().Query(ctx, q, time.Now())
		vec, _ := v.(model.Vector)
		return err == nil && len(vec) == 1, err
	})
	got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got[fn] != 43 {
		t.Fatalf("queue load of a function on two queues, each worker scraped by %d job(s) = %v, want 10 + 30 waiting + 3 running = 43", jobs, got[fn])
	}
}

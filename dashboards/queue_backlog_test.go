package dashboards

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestAsyncBacklogSumsQueues: a function receiving on two queues
// (faas-request with 10 messages waiting, slow-queue with 30), each
// reported by two queue-worker replicas. The "Async backlog" panel's
// waiting line must read 40; an average over all four series drew 20.
func TestAsyncBacklogSumsQueues(t *testing.T) {
	t.Parallel() // each waits on its own Prometheus
	const fn = "two.openfaas-fn"
	var targets []teststack.Target
	for _, job := range []string{"queue-worker-a", "queue-worker-b"} {
		ex := teststack.NewExporter(t)
		pending := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "queue_worker_pending_messages", Help: "x"}, []string{"queue_name", "function_name"})
		ex.Registry.MustRegister(pending)
		pending.WithLabelValues("faas-request", fn).Set(10)
		pending.WithLabelValues("slow-queue", fn).Set(30)
		targets = append(targets, teststack.Target{Job: job, URL: ex.Addr()})
	}
	prom := teststack.Prometheus(t, teststack.PromOptions{ScrapeTargets: targets})
	for _, tg := range targets {
		prom.WaitUp(t, tg.Job)
	}
	// Both workers' series stored, as an event (not a sleep).
	testenv.WaitFor(t, teststack.WaitTimeout, "four pending series", func() bool {
		v, _ := prom.Query(t, `count(queue_worker_pending_messages) == 4`).(model.Vector)
		return len(v) == 1
	})
	p := panelJSONByTitle(t, "function-detail.json", "Async backlog")
	step, ri := grafanaTimes(t, p)
	var waiting string
	for _, tg := range p.Targets {
		if tg.LegendFormat == "waiting" {
			waiting = grafanaExpr(tg.Expr, step, ri, fn)
		}
	}
	if waiting == "" {
		t.Fatal(`no "waiting" query in the Async backlog panel`)
	}
	got, _ := prom.Query(t, waiting).(model.Vector)
	if len(got) != 1 || got[0].Value != 40 {
		t.Fatalf("waiting = %v, want one series of 10 + 30 = 40\n  %s", got, waiting)
	}
}

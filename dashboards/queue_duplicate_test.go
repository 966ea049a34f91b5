package dashboards

import (
	"fmt"
	"testing"
)

// duplicateQueueSeries: two JetStream queue-worker replicas (instances
// qw-a and qw-b) of one queue, each scraped by two jobs of one Prometheus
// (the chart's pod-annotation job and a PodMonitor), so every queue-worker
// series is stored twice, differing only in job. fn.openfaas-fn has 6
// messages waiting (the queue's backlog, reported by both replicas), 2 + 1
// running, and 2 + 1 messages processed per second.
const duplicateQueueSeries = `rule_files: [rules.yml, panel.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
%[1]s
    promql_expr_test:
%[2]s
`

var duplicateQueueInputs = func() string {
	var out string
	for _, c := range []struct{ series, a, b string }{
		{`queue_worker_pending_messages{function_name="fn.openfaas-fn",queue_name="faas-request"`, "6x40", "6x40"},
		{`queue_worker_function_invocation_inflight{function_name="fn.openfaas-fn"`, "2x40", "1x40"},
		{`queue_worker_messages_processed_total{function_name="fn.openfaas-fn"`, "0+10x40", "0+5x40"},
	} {
		for _, inst := range []struct{ name, values string }{{"qw-a:8081", c.a}, {"qw-b:8081", c.b}} {
			for _, job := range []string{"pods", "podmonitor"} {
				out += "      - series: '" + c.series + `,instance="` + inst.name + `",job="` + job + `"}'` + "\n"
				out += "        values: '" + inst.values + "'\n"
			}
		}
	}
	return out
}()

// TestQueuePanelsCountAWorkerOnce: the Function detail's async panels
// count each queue-worker replica once, however many jobs scrape it: 6
// waiting, 3 running, 3 drained/s, 2 s to drain. Seen failing before the
// dedupe: 6 running, 6 drained/s, 1 s to drain.
func TestQueuePanelsCountAWorkerOnce(t *testing.T) {
	fns := map[string]string{"fn": "fn.openfaas-fn"}
	evalPanel(t, "Async backlog", fns, fmt.Sprintf(duplicateQueueSeries, duplicateQueueInputs,
		expect("fn", "waiting", `{fn="fn"}`, "6")+expect("fn", "running", `{fn="fn"}`, "3")))
	evalPanel(t, "Async drain rate and time to drain", fns, fmt.Sprintf(duplicateQueueSeries, duplicateQueueInputs,
		expect("fn", "drained/s", `{fn="fn"}`, "3")+expect("fn", "time to drain.*", `{fn="fn"}`, "2")))
}

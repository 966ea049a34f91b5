package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestQueueUnderBareAndQualifiedNamesAdds: the queue load is not the
// custom load's case (TestReview51ACCustomLoadUnderBareAndQualifiedNamesIsNotSummed),
// and must keep adding a function's series under both name forms. A
// queue worker reports queue_worker_pending_messages once per consumer,
// named by the consumer's function, and a consumer of
// faas-request.q and one of faas-request.q.openfaas-fn have literal
// filter subjects: each holds its own messages, none of the other's
// (metricsource/jetstream TestBareAndQualifiedSubjectsAdd, on a real NATS
// server). So q's backlog is the sum of the two: 3 + 2 waiting, each read
// by two worker replicas that report the same count (averaged per name and
// queue, as before), plus 1 running, 6. Averaged across the name forms
// as the custom load now is, it would read 2.5 + 1: half the waiting work.
func TestQueueUnderBareAndQualifiedNamesAdds(t *testing.T) {
	const scrape = 5 * time.Second
	now := time.Now().Truncate(scrape)
	start, end := now.Add(-20*time.Minute), now.Add(5*time.Minute)
	waiting := map[string]int{"q": 3, "q.openfaas-fn": 2}
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s gauge\n", metricQueue)
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			for _, inst := range []string{"10.0.0.7:8081", "10.0.0.8:8081"} {
				for _, name := range []string{"q", "q.openfaas-fn"} {
					fmt.Fprintf(w, "%s{function_name=%q,instance=%q,job=\"queue-worker\",queue_name=\"faas-request\"} %d %d\n",
						metricQueue, name, inst, waiting[name], ts.Unix())
				}
			}
		}
		fmt.Fprintf(w, "# TYPE %s gauge\n", metricQueueRun)
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "%s{function_name=\"q\",instance=\"10.0.0.7:8081\",job=\"queue-worker\"} 1 %d\n", metricQueueRun, ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "up{instance=\"10.0.0.5:8082\",job=\"gateway\"} 1 %d\n", ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	ctx := context.Background()
	q := provider.Ref{Name: "q", Namespace: "openfaas-fn"}
	const want = 3 + 2 + 1
	load := metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: time.Minute}
	v, err := src.Load(ctx, load)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := v[q]; !ok || got != want {
		t.Errorf("Load queue = %v (present %v); want %d: two consumers' messages and one running", got, ok, want)
	}
	for _, refs := range [][]provider.Ref{nil, {q}} {
		v, _, err := src.LoadParts(ctx, load, refs)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := v[q]; !ok || got != want {
			t.Errorf("LoadParts queue (refs %v) = %v (present %v); want %d", refs, got, ok, want)
		}
	}
	for _, refs := range [][]provider.Ref{nil, {q}} {
		act, err := src.ActivityFor(ctx, time.Minute, refs)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := act.Queued[q]; !ok || got != want {
			t.Errorf("ActivityFor (refs %v) queued = %v (present %v); want %d", refs, got, ok, want)
		}
	}
}

package prometheus

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestIntervalOfAGatewayScrapedByTwoJobs: the gateway scraped by the
// OpenFaaS chart's openfaas-pods job every 5 s and by a ServiceMonitor (job
// "gateway", kube-prometheus-stack's default 30 s): the case gateway.go and
// duplicates.go say is common, and both jobs' up series match the default
// coverage selector. readLastScrape took the interval from whichever
// series held the newest sample; when the 30 s job had scraped last, the
// capacity subquery stepped at 30 s over gateway series sampled every 5 s,
// read one in-flight sample in six and missed the peaks between them: the
// capacity load read low. Found by a review (helper-119).
func TestIntervalOfAGatewayScrapedByTwoJobs(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	series := func(job string, every time.Duration, last time.Time) string {
		var vals []string
		for ts := last.Add(-5 * time.Minute).Add(every); !ts.After(last); ts = ts.Add(every) {
			vals = append(vals, fmt.Sprintf(`[%.3f,"1"]`, float64(ts.UnixMilli())/1000))
		}
		return fmt.Sprintf(`{"metric":{"__name__":"up","job":%q,"instance":"10.0.0.5:8082"},"values":[%s]}`, job, strings.Join(vals, ","))
	}
	var mu sync.Mutex
	var capacityQ string
	src, _ := fakeProm(t, func(q string) (int, string) {
		if strings.HasSuffix(q, "[5m]") {
			// The 5 s job scraped 2 s ago, the 30 s job 1 s ago.
			return 200, `{"status":"success","data":{"resultType":"matrix","result":[` +
				series("openfaas-pods", 5*time.Second, now.Add(-2*time.Second)) + "," +
				series("gateway", 30*time.Second, now.Add(-time.Second)) + `]}}`
		}
		if strings.Contains(q, "gateway_function_invocation_inflight") {
			mu.Lock()
			capacityQ = q
			mu.Unlock()
		}
		return 200, vector()
	})
	src.scrapeInterval(context.Background()) // starts the read
	src.phase.done.Wait()
	if got := src.scrapeInterval(context.Background()); got != 5*time.Second {
		t.Errorf("scrape interval read as %s; the gateway's series are sampled every 5s (job openfaas-pods)", got)
	}
	if _, _, err := src.LoadParts(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute}, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(capacityQ, "[1m:30s]") {
		t.Errorf("the capacity subquery steps at 30s over a gateway sampled every 5s: it sees 1 in-flight sample in 6\n%s", capacityQ)
	}
}

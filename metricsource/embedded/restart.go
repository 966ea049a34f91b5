package embedded

import (
	"math"

	dto "github.com/prometheus/client_model/go"
)

// metricProcessStart is the gateway process's start time, which Go's
// process collector puts on every page the gateway serves.
const metricProcessStart = "process_start_time_seconds"

// restartedSince reads the gateway process's start time on a page and says
// whether it is later than the last page's: the gateway restarted in place
// (its container restarted in its pod, the address kept) between the two
// scrapes. Its counters then start again at its first call, and one back
// at or above its old value reads as no call, or fewer: a rare function
// called once before the restart and once after read 1 then 1, no call,
// and the idler took it for idle (a review's finding; the Prometheus source
// tells such a restart by the same series, promql.RestartedWithin). A page
// without the series (a gateway built without the process collector), or
// with an unusable value, says nothing: the last known time is kept.
// Called by ScrapeOnce only, one scrape at a time.
func (s *Source) restartedSince(families map[string]*dto.MetricFamily) bool {
	mf := families[metricProcessStart]
	if mf == nil || len(mf.GetMetric()) != 1 {
		return false // none, or several (a merged page): not one process's
	}
	v := value(mf.GetType(), mf.GetMetric()[0])
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.started
	s.started = v
	// A process's start time is fixed; a later one, by more than the
	// float's rounding, is another process.
	return was > 0 && v > was+1e-3
}

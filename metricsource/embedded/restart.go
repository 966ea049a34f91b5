package embedded

import (
	"fmt"
	"math"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"

	dto "github.com/prometheus/client_model/go"
)

// metricProcessStart is the gateway process's start time, which Go's
// process collector puts on every page the gateway serves.
const metricProcessStart = "process_start_time_seconds"

// process is what a page's process_start_time_seconds says of the gateway
// process that served it, against the last page recorded.
type process uint8

const (
	// procUnknown: no start time (a gateway built without the process
	// collector, a merged page with several, Observe's samples): nothing
	// known of the process.
	procUnknown process = iota
	// procSame: the process of the last page recorded, or the first one
	// seen. A counter missing from a page in between was not re-created:
	// back, it steps from its last value (store.procFrom).
	procSame
	// procRestarted: another process since the last page recorded (a
	// restart in place): every counter on the page counts from zero.
	procRestarted
)

// severalRun is how many pages in a row from one gateway process end the
// refusal that pages from several processes began (Source.several): with
// two replicas behind a Service, balanced evenly, a run of ten from either
// comes about once in 500 pages; a gateway scaled back to one replica (or
// the URL pointed at one) is read again after ten scrapes.
const severalRun = 10

// pageProcess reads the gateway process's start time on a page and says
// what it says of the process (see process). A later start time than the
// last page's, by more than promql.StartedAgain's jitter, is a restart in
// place (its container restarted in its pod, the address kept) between the
// two scrapes. Its counters then start again at its first call, and one
// back at or above its old value reads as no call, or fewer: a rare
// function called once before the restart and once after read 1 then 1,
// no call, and the idler took it for idle (a review's finding; the
// Prometheus source tells such a restart by the same series,
// promql.RestartedWithin).
//
// A process's start time is not read the same at every scrape: the Go
// client adds /proc/stat's btime, which moves by whole seconds when the
// node's clock is stepped. Read as a restart (any move over 1e-3 s, as it
// was), one NTP step counted every counter on the page whole: hence the
// jitter, the Prometheus source's own rule.
//
// An earlier start time than the last page's, by more than the jitter, is
// no restart (a process cannot start before one already seen): the URL
// serves several gateway processes (a Service in front of the gateway's
// replicas), one page each. Their counters are apart: read as one series,
// each page was a restart or a reset from the other's values, and an idle
// function read hundreds of calls (a review's finding). That page fails,
// and so does every page after it (Source.several) until severalRun pages
// in a row come from one process: a history of one replica's pages among
// failures would read its share of the calls, a lower bound that looks
// idle. Missing, not low.
//
// A page without the series, or with an unusable value, says nothing: the
// last known time is kept (while several processes are being seen, it
// fails, one of the run). Called by ScrapeOnce only, one scrape at a time.
func (s *Source) pageProcess(families map[string]*dto.MetricFamily) (process, error) {
	v := math.NaN()
	if mf := families[metricProcessStart]; mf != nil && len(mf.GetMetric()) == 1 {
		v = value(mf.GetType(), mf.GetMetric()[0]) // one; several: a merged page, not one process's
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		if s.several {
			// No process to tell; counted towards the run, or a URL now
			// merging the replicas' pages would fail for good.
			if s.sameRun++; s.sameRun < severalRun {
				return procUnknown, s.severalErr()
			}
			s.several = false
		}
		return procUnknown, nil
	}
	seen := s.pageStart
	s.pageStart = v
	switch {
	case seen > 0 && promql.StartedAgain(v, seen): // earlier: another process's page
		s.several, s.sameRun = true, 1
	case seen > 0 && promql.StartedAgain(seen, v): // later: another process, or a restart
		s.sameRun = 1
	default:
		s.sameRun++
	}
	if s.several {
		if s.sameRun < severalRun {
			return procUnknown, s.severalErr()
		}
		s.several = false
	}
	was := s.started
	s.started = v
	if was > 0 && (promql.StartedAgain(was, v) || promql.StartedAgain(v, was)) {
		// Later: a restart in place. Earlier: after pages from several
		// processes, the other one's alone: its counters are not the last
		// page's either.
		return procRestarted, nil
	}
	return procSame, nil
}

// severalErr is the error of a page refused while several gateway processes
// answer the URL. The caller holds s.mu.
func (s *Source) severalErr() error {
	return fmt.Errorf("the gateway metrics url serves several gateway processes (process_start_time_seconds went back within the last pages; %d of %d pages in a row from one since): "+
		"point it at one gateway replica, not a Service in front of several", s.sameRun, severalRun)
}

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
	// procRebased: another process than the last page recorded's, which
	// started no later than that page was scraped (another replica left
	// alone behind the URL, or the node's clock stepped back): its
	// counters hold calls from before that scrape, which are neither the
	// last page's nor all calls since it. The page is a fresh baseline,
	// as the source's first scrape is: no increase, no last activity; the
	// windows reaching back over it read missing (store.rebased).
	procRebased
)

// severalRun is how many pages in a row from one gateway process end the
// refusal that pages from several processes began (Source.several): with
// two replicas behind a Service, balanced evenly, a run of ten from either
// comes about once in 500 pages; a gateway scaled back to one replica (or
// the URL pointed at one) is read again after ten scrapes.
const severalRun = 10

// pageProcess reads the gateway process's start time on a page and says
// what it says of the process (see process). A later start time than the
// last page's, by more than promql.StartedAgain's jitter and after the last
// page recorded was served (startedSince: on the gateway's clock where the
// page's Date header says), is a restart in place (its container
// restarted in its pod, the address kept) between the two scrapes. Its
// counters then start again at its first call, and one back at or above
// its old value reads as no call, or fewer: a rare function called once
// before the restart and once after read 1 then 1, no call, and the idler
// took it for idle (a review's finding; the Prometheus source tells such a
// restart by the same series, promql.RestartedWithin).
//
// A process's start time is not read the same at every scrape: the Go
// client adds /proc/stat's btime, which moves by whole seconds when the
// node's clock is stepped. Read as a restart (any move over 1e-3 s, as it
// was), one NTP step counted every counter on the page whole: hence the
// jitter, the Prometheus source's own rule. The process's own start (its
// start ticks, 1/100 s) does not move: two readings of one process differ
// by whole seconds (sameProcess).
//
// An earlier start time than the last page's, by more than the jitter, or
// one apart from it by a fraction of a second, is no restart (a process
// cannot start before one already seen): the URL serves several gateway
// processes (a Service in front of the gateway's replicas, which one
// rollout starts within the same second), one page each. Their counters
// are apart: read as one series, each page was a restart or a reset from
// the other's values, and an idle function read hundreds of calls (two
// reviews' findings). That page fails, and so does every page after it
// (Source.several) until severalRun pages in a row come from one process:
// a history of one replica's pages among failures would read its share of
// the calls, a lower bound that looks idle. Missing, not low.
//
// The process then read, or any other than the last page recorded's that
// started no later than that page was scraped (procRebased), is no restart
// either: the replica left alone started an hour before and its counters
// hold an hour of calls; a clock stepped back by more than the jitter
// reads the same process as an earlier one, its counters unchanged.
// Counted whole, either read as calls made since the last page recorded
// (a review's finding). The page is a new baseline, its calls since that
// page unknown: missing (store.rebased). So is a restart whose start time
// reads earlier (a clock stepped back as well) or not after that page
// (startedSince: within the second of its Date, or, without one, the
// gateway's node's clock behind the controller's by more than the time
// from the old process's last page to the new one's start): its calls in
// the gap are lost, and read missing, not none.
//
// A page without the series, or with an unusable value, says nothing: the
// last known time is kept (while several processes are being seen, it
// fails, one of the run). Called by ScrapeOnce only, one scrape at a time.
//
// It returns the page's start time too (0: none), for observePage to make
// the process of the last page recorded (Source.started) when, and only
// when, ingest records the page: one ignored for its time (the
// controller's clock stepped back) set it here, and the next page of the
// new process read as that process's (procSame) against a history whose
// last page was the old one's: a restart's calls read as none, another
// replica's as calls since (a review's finding). What the pages say of the
// URL (pageStart, several, sameRun) moves with every page fetched, as
// with the pages refused while several processes answer: an ignored page
// was served all the same.
func (s *Source) pageProcess(families map[string]*dto.MetricFamily) (process, float64, error) {
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
				return procUnknown, 0, s.severalErr()
			}
			s.several = false
		}
		return procUnknown, 0, nil
	}
	seen := s.pageStart
	s.pageStart = v
	switch {
	case seen > 0 && promql.StartedAgain(seen, v): // later: another process, or a restart
		s.sameRun = 1
	case seen > 0 && !sameProcess(seen, v): // earlier, or a fraction apart: another process's page
		s.several, s.sameRun = true, 1
	default:
		s.sameRun++
	}
	if s.several {
		if s.sameRun < severalRun {
			return procUnknown, 0, s.severalErr()
		}
		s.several = false
	}
	was := s.started
	switch {
	case was <= 0 || sameProcess(was, v):
		return procSame, v, nil
	case promql.StartedAgain(was, v) && s.startedSince(v):
		return procRestarted, v, nil
	default:
		return procRebased, v, nil
	}
}

// sameProcess reports whether start times a and b, read from two pages,
// can be one gateway process's: apart by at most promql.StartedAgain's
// jitter, and by whole seconds give or take wholeTolerance, as a stepped
// clock moves btime (the process's start ticks are fixed). Two processes
// started a whole number of seconds apart, within the tolerance (about
// one pair in a hundred started within the jitter of each other), are
// taken for one: the case the rule cannot tell, as before it.
func sameProcess(a, b float64) bool {
	if promql.StartedAgain(a, b) || promql.StartedAgain(b, a) {
		return false
	}
	d := b - a
	return math.Abs(d-math.Round(d)) <= wholeTolerance
}

// wholeTolerance is how far, in seconds, from a whole number of seconds
// two readings of one process's start time may be: the float sums of
// btime and ticks/100 at 1.7e9 are off by about 1e-6 s; the client's
// text format keeps them.
const wholeTolerance = 5e-3

// startedSince reports whether a gateway process whose start time reads v
// (Unix seconds, on the gateway node's clock) started after the last page
// recorded was served. With that page's Date header (s.servedAt, the
// gateway's clock, whole seconds down), a start at or after the second
// after it did and one before the second it names did not: one clock on
// both sides. Compared with the scrape's time on the controller's clock,
// a skew between the two nodes moved the line by the skew: a restart
// within it of the last page read as another replica's page (its first
// interval missing), and, the gateway ahead, another replica started
// within it before the page as a restart (its calls from before counted
// as calls since). Within that second, or with no Date (a Fetch function,
// a proxy that drops it), the scrape's time decides: exact when the clocks
// agree; with a Date, off by at most that second when they do not (behind:
// missing; ahead: a second's calls of a process started just before the
// page counted). The caller holds s.mu.
func (s *Source) startedSince(v float64) bool {
	if d := s.servedAt; d > 0 {
		switch {
		case v >= d+1:
			return true
		case v < d:
			return false
		}
	}
	return v > s.lastScraped()
}

// lastScraped is the time the last page recorded was scraped, in Unix
// seconds (0: none). The caller holds s.mu.
func (s *Source) lastScraped() float64 {
	if n := len(s.st.scrapes); n > 0 {
		return float64(s.st.scrapes[n-1]) / 1e9
	}
	return 0
}

// severalErr is the error of a page refused while several gateway processes
// answer the URL. The caller holds s.mu.
func (s *Source) severalErr() error {
	return fmt.Errorf("the gateway metrics url serves several gateway processes (process_start_time_seconds went back, or moved by a fraction of a second, within the last pages; %d of %d pages in a row from one since): "+
		"point it at one gateway replica, not a Service in front of several", s.sameRun, severalRun)
}

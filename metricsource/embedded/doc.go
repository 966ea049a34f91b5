// Package embedded is a metrics source that scrapes an OpenFaaS gateway's
// /metrics itself, for running without a Prometheus server (the embedded
// default, the trace simulator). It keeps a short history of samples per
// series in memory and answers the same questions as the Prometheus source:
// request rates over a window, the concurrency peak, invocations started
// within a window, whether the gateway was observed for all of it, and when
// each function last started an invocation.
//
// History is stored as change points: a sample is kept only when a series'
// value changes (or it reappears), plus one list of successful scrape times
// shared by all series. An idle function costs a few points however long it
// idles; a busy one costs a point per scrape.
//
// Semantics (documented differences from PromQL):
//   - Rates are increase / elapsed between two scrapes — the latest scrape at
//     or before the window's start (or the first scrape, when the history is
//     shorter) and the latest scrape — with no extrapolation. A counter that
//     goes down was reset and counts from 0, as in rate(). A series that
//     appears within the window counts its whole first value: the gateway
//     creates its counters at the first invocation. So does one that comes
//     back after missing from successful scrapes (a gateway restarted
//     between them re-creates it at its first call since), in the rates,
//     the activity and the arrivals alike, unless every page from the last
//     one that had it to this one carried the same
//     process_start_time_seconds (within its jitter): one process's
//     counter was not re-created, and steps from its last value, as in
//     increase().
//   - History is kept for the longest window asked within the last 8 days
//     (and its vanish lookback), at least Config.Retention: a long window
//     no longer asked lapses, and reads uncovered if asked again until
//     scraped anew (retention.go).
//   - A scrape is recorded at the time it is made, or not at all: a body
//     cut short (short of its Content-Length or last chunk, a last line
//     without its line feed, an empty page after pages with functions)
//     fails, leaving a gap. A cut exactly at a line's end on a connection
//     that just closes cannot be told from a whole page.
//   - Started invocations come from gateway_function_invocation_started; for a
//     function without that series (older gateways) they fall back to
//     gateway_function_invocation_total, which misses calls still running.
//     The fallback is per gateway replica of a merged page (the series'
//     other labels; groups.go): one without the started counter (a rolling
//     upgrade) has its invocation counter read, as the keep-alive's
//     Prometheus queries do per instance; one that has had it reads that
//     alone. For a function with it in every replica, only rps loads read
//     the invocation counter's history: once capacity has been asked and
//     rps never, it keeps its latest point alone (and an absence as long
//     as the retention would), and an rps window asked after that reads
//     missing for such functions until it has been scraped for its length.
//   - Capacity is the peak over the window of the in-flight gauge and, when
//     larger, of the concurrency each scrape interval's arrivals bring: the
//     started counter's increase × min(mean duration, interval) ÷ interval,
//     the mean from the duration histogram (gateway_functions_seconds) over
//     the last MeanDurationWindow at that scrape; kept as one derived
//     series per function with the histogram. The histogram's series are
//     kept for MeanDurationWindow, and the derived one and the gauge for
//     the longest capacity window asked, not the whole retention (activity
//     reads the gauge only at the latest scrape): a capacity window longer
//     than any asked before reads the history kept for the shorter ones
//     until it has been scraped for its length, as a window longer than
//     the history reads the history there is. LoadParts says which of the
//     two each reading was (metricsource.PartedLoad).
//   - Series are told apart by function_name, code and any other label (an
//     exposition that merges several gateway replicas' /metrics, with their
//     instance or pod): each has its own resets, and a function's counts
//     are the sum over its series, as sum(...) by (function_name) in PromQL.
//     A replica's counters of a function gone from the latest page while
//     another's stay make it vanished (Activity.Vanished) for the vanish
//     lookback, as one gone from a single gateway's page does.
//   - A gateway restarted in place between two scrapes (a later
//     process_start_time_seconds on its page, by more than the 2 s jitter
//     of promql.StartedAgain, and after the last page recorded was
//     served, by that page's HTTP Date header on the gateway's own clock,
//     or within its second or without one by the scrape's time on the
//     controller's) has every counter count from zero on the first page after:
//     one back at its old value is calls, not none (restart.go). A merged
//     page (several start times) says nothing. A stepped clock moves one
//     process's start time by whole seconds: an earlier start time than
//     the last page's, by more than the jitter, or one apart from it by a
//     fraction of a second, is another process: the URL reaches several
//     gateway replicas (a Service in front of them; one rollout starts
//     them within a second). That scrape fails, and every one after it
//     until ten pages in a row come from one process: their counters
//     cannot be joined, and one replica's pages alone would read a share
//     of the calls (missing, not low). Point the URL at one replica, or
//     merge their pages with an instance label each. A page from another
//     process than the last page recorded's that is no restart (started
//     no later than that page was served: a replica left alone, a clock
//     stepped back) is a new baseline, as the first scrape is: no calls
//     read from it, and activity and rps windows reaching back over it
//     read missing (not covered), its calls since the last page unknown.
//     So do capacity windows over it of a function whose in-flight gauge
//     has no value in the window (none, or gone from the pages), and of
//     one whose gauge peaks at 0 there while it has the duration
//     histogram, whatever the arrivals after the page read (those up to
//     it, maybe the larger part, unknown); a gauge above 0 is read, with
//     the arrivals known after the page when larger.
//   - Only the gateway's series are read: the cpu, queue and custom scaling
//     types are not available from this source and yield an error.
//   - The window "ends now": now is the injected clock's.
package embedded

package soak

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// Sample is what the soak saw of the controller over one sampling period
// ending At after the start.
type Sample struct {
	At time.Duration
	// From the controller's /metrics at the end of the period.
	Goroutines float64 // go_goroutines
	HeapMB     float64 // go_memstats_heap_inuse_bytes / 2^20: MiB, as written
	RSSMB      float64 // process_resident_memory_bytes / 2^20: MiB, as written
	FDs        float64 // process_open_fds
	// Webhook posts of the harness's alert storms during the period: their
	// p99 latency as the client saw it (request to response read), how many
	// there were and how many did not get a 200.
	WebhookP99 time.Duration
	Webhooks   int
	Failed     int
	// Unmeasured are the resources the period's page lacked: their fields
	// hold 0, which no report may show as a figure (missing is not zero).
	Unmeasured resources
}

// resources is a set of Sample's resource columns, by bit.
type resources uint8

const (
	resGoroutines resources = 1 << iota
	resHeap
	resRSS
	resFDs
)

// measured reports whether the page had r's series.
func (s Sample) measured(r resources) bool { return s.Unmeasured&r == 0 }

// notMeasured is the table's words for a resource the page lacked.
const notMeasured = "not measured"

// sampleOf is the Sample of one period from the controller's /metrics
// (value: a series' value, ok false when the page lacks it) and the
// period's webhook latencies.
func sampleOf(at time.Duration, value func(series string) (float64, bool), ds []time.Duration, failed int) Sample {
	s := Sample{At: at, WebhookP99: p99(ds), Webhooks: len(ds), Failed: failed}
	// A series the page lacks (a process collector off or without /proc)
	// is marked, not read as 0: an RSS of 0 MiB would be the memory
	// line's lowest point, a leak's start hidden under it.
	v := func(name string, r resources) float64 {
		x, ok := value(name)
		if !ok {
			s.Unmeasured |= r
		}
		return x
	}
	s.Goroutines = v("go_goroutines", resGoroutines)
	s.HeapMB = v("go_memstats_heap_inuse_bytes", resHeap) / (1 << 20)
	s.RSSMB = v("process_resident_memory_bytes", resRSS) / (1 << 20)
	s.FDs = v("process_open_fds", resFDs)
	return s
}

// p99 is the 99th percentile (nearest rank) of ds; 0 when empty.
func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (99*len(s)+99)/100 - 1 // ceil(0.99 n) − 1
	return s[min(max(i, 0), len(s)-1)]
}

// The memory columns are MiB (bytes / 2^20), as the footprint bench's; they
// were labelled MB, 4.9 % off (a review's finding).
var csvHeader = []string{"seconds", "goroutines", "heap_inuse_mib", "rss_mib", "open_fds", "webhook_p99_ms", "webhook_posts", "webhook_failed"}

// p99Cell is a period's webhook p99 in ms, or "" when the period had no
// post: a p99 of nothing is no value, not 0 ms (the last period, whose
// storm the end cancels, read 0.0 and pulled the percentiles of the
// periods down: a review's finding).
func p99Cell(s Sample) string {
	if s.Webhooks == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(s.WebhookP99.Microseconds())/1000, 'f', 1, 64)
}

// p99Text is a period's webhook p99 for people: in ms, or "–" when the
// period had no post (p99Cell).
func p99Text(s Sample) string {
	if c := p99Cell(s); c != "" {
		return c + " ms"
	}
	return "–"
}

// progressLine is the harness's log line for a sample.
func progressLine(s Sample) string {
	return fmt.Sprintf("%s: goroutines %s, heap %s, RSS %s, fds %s, webhook p99 %s (%d posts)", clockOf(s.At),
		s.cell(s.Goroutines, resGoroutines, "%.0f"), s.cell(s.HeapMB, resHeap, "%.1f MiB"), s.cell(s.RSSMB, resRSS, "%.1f MiB"),
		s.cell(s.FDs, resFDs, "%.0f"), p99Text(s), s.Webhooks)
}

// WriteCSV writes one row per sample, with a header.
func WriteCSV(w io.Writer, ss []Sample) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, s := range ss {
		// An empty field for a resource not measured, as for a p99 of no
		// post: a column's minimum or median must not take it for 0.
		f := func(x float64, r resources) string {
			if !s.measured(r) {
				return ""
			}
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		if err := cw.Write([]string{
			strconv.FormatFloat(s.At.Seconds(), 'f', 0, 64), f(s.Goroutines, resGoroutines), f(s.HeapMB, resHeap), f(s.RSSMB, resRSS), f(s.FDs, resFDs),
			p99Cell(s), strconv.Itoa(s.Webhooks), strconv.Itoa(s.Failed),
		}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes a markdown table of the samples nearest to every
// `every` (the first sample after the warm-up, then one per period, and the
// last), so that a trend is visible in a few rows.
func WriteTable(w io.Writer, ss []Sample, every time.Duration) error {
	if _, err := fmt.Fprintln(w, "| time | goroutines | heap in use | RSS | open FDs | webhook p99 (posts in the period) |\n|---|---|---|---|---|---|"); err != nil {
		return err
	}
	var next time.Duration
	for i, s := range ss {
		if s.At < next && i != len(ss)-1 {
			continue
		}
		next = (s.At/every + 1) * every
		failed := ""
		if s.Failed > 0 {
			failed = fmt.Sprintf(", %d failed", s.Failed)
		}
		if _, err := fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s (%d%s) |\n", clockOf(s.At), s.cell(s.Goroutines, resGoroutines, "%.0f"),
			s.cell(s.HeapMB, resHeap, "%.1f MiB"), s.cell(s.RSSMB, resRSS, "%.1f MiB"), s.cell(s.FDs, resFDs, "%.0f"),
			p99Text(s), s.Webhooks, failed); err != nil {
			return err
		}
	}
	return nil
}

// cell is x in format, or "not measured" when the page lacked r's series:
// the table and the harness's log say so rather than print a 0.
func (s Sample) cell(x float64, r resources, format string) string {
	if !s.measured(r) {
		return notMeasured
	}
	return fmt.Sprintf(format, x)
}

// clockOf writes d as m:ss.
func clockOf(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d/time.Minute), int(d%time.Minute/time.Second))
}

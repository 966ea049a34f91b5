package soak

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// page is a /metrics page without the process collector's series, as a
// controller on a platform without /proc (or with the collector off)
// exports it: goroutines and heap, no RSS and no open FDs.
func page(series string) (float64, bool) {
	v, ok := map[string]float64{"go_goroutines": 40, "go_memstats_heap_inuse_bytes": 12 << 20}[series]
	return v, ok
}

// TestSeriesAbsentFromTheScrapeIsNotMeasured: a series the period's page
// lacks has no figure in the CSV, the table or the chart; read as 0 it was
// an RSS of 0.0 MiB, the lowest point of the memory line (house rule:
// missing is not zero).
func TestSeriesAbsentFromTheScrapeIsNotMeasured(t *testing.T) {
	s := sampleOf(10*time.Second, page, []time.Duration{5 * time.Millisecond}, 0)
	var c bytes.Buffer
	if err := WriteCSV(&c, []Sample{s}); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(c.String()), "\n")
	if got, want := rows[1], "10,40.0,12.0,,,5.0,1,0"; got != want {
		t.Errorf("CSV row %q, want %q (RSS and open FDs empty: not on the page)", got, want)
	}
	var tb bytes.Buffer
	if err := WriteTable(&tb, []Sample{s}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if want := "| 0:10 | 40 | 12.0 MiB | not measured | not measured | 5.0 ms (1) |"; !strings.Contains(tb.String(), want) {
		t.Errorf("table:\n%s\nwant the row %q", tb.String(), want)
	}
	var svg bytes.Buffer
	if err := WriteSVG(&svg, "soak", []Sample{s, {At: 20 * time.Second, Goroutines: 41, HeapMB: 12, RSSMB: 48, FDs: 20, Webhooks: 1}}); err != nil {
		t.Fatal(err)
	}
	// The RSS line starts at the second sample, the first measured one:
	// one point, no line from a false zero to it.
	for _, line := range strings.Split(svg.String(), "\n") {
		if strings.Contains(line, `stroke="#d62728"`) && strings.Count(line, ",") != 1 {
			t.Errorf("RSS line through a sample without RSS: %s", line)
		}
	}
}

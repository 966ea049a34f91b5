package soak

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

var update = flag.Bool("update", false, "rewrite the golden chart")

// fixture is a short soak with a leak in goroutines and RSS and one slow
// webhook period, so each panel's line has a shape.
func fixture() []Sample {
	var ss []Sample
	for i := range 13 {
		ss = append(ss, Sample{
			At: time.Duration(i) * 10 * time.Second, Goroutines: 40 + float64(i)*3, HeapMB: 12 + float64(i%3),
			RSSMB: 48 + float64(i)*0.5, FDs: 20, WebhookP99: time.Duration(4+i%4) * time.Millisecond, Webhooks: 200,
		})
	}
	ss[7].WebhookP99, ss[7].Failed = 180*time.Millisecond, 2
	ss[10].WebhookP99, ss[10].Webhooks = 0, 0 // no post in that period: a gap, not a zero
	return ss
}

func TestChartGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSVG(&b, "soak: 1,000 functions", fixture()); err != nil {
		t.Fatal(err)
	}
	teststack.Golden(t, "testdata/chart.svg", b.Bytes(), *update, "go test ./bench/soak -run TestChartGolden -update")
	// The leak must be visible: the goroutines line ends higher than it
	// starts (y grows downwards in SVG).
	if !strings.Contains(b.String(), `points="70.0,`) {
		t.Errorf("no line starts at the left edge:\n%s", b.String())
	}
	// The p99 panel is broken at the period without posts: two lines.
	if n := strings.Count(b.String(), `stroke="#ff7f0e"`); n != 2 {
		t.Errorf("%d webhook p99 lines, want 2 (a gap where no post was made)", n)
	}
}

func TestP99(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var ds []time.Duration
		for _, n := range ns {
			ds = append(ds, time.Duration(n)*time.Millisecond)
		}
		return ds
	}
	var hundred []int
	for i := 100; i >= 1; i-- {
		hundred = append(hundred, i)
	}
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{ms(7), 7 * time.Millisecond},
		{ms(hundred...), 99 * time.Millisecond}, // nearest rank: the 99th of 100
		{ms(append(hundred, 1000)...), 100 * time.Millisecond}, // 101 values: ceil(99.99) = the 100th, below the outlier
		{ms(5, 1, 3), 5 * time.Millisecond},                    // unsorted input
	} {
		if got := p99(tc.in); got != tc.want {
			t.Errorf("p99(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCSVAndTable(t *testing.T) {
	var c bytes.Buffer
	if err := WriteCSV(&c, fixture()[:2]); err != nil {
		t.Fatal(err)
	}
	want := "seconds,goroutines,heap_inuse_mib,rss_mib,open_fds,webhook_p99_ms,webhook_posts,webhook_failed\n" +
		"0,40.0,12.0,48.0,20.0,4.0,200,0\n10,43.0,13.0,48.5,20.0,5.0,200,0\n"
	if c.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", c.String(), want)
	}
	var tb bytes.Buffer
	if err := WriteTable(&tb, fixture(), time.Minute); err != nil {
		t.Fatal(err)
	}
	// One row at 0:00, one at the first sample of each further minute
	// (1:00, 2:00) and the last one (2:00 is the last here: 13 rows of 10 s).
	rows := strings.Count(tb.String(), "\n") - 2
	if rows != 3 {
		t.Errorf("table has %d rows, want 3:\n%s", rows, tb.String())
	}
	if !strings.Contains(tb.String(), "| 1:00 | 58 | 12.0 MiB | 51.0 MiB | 20 | 6.0 ms (200) |") {
		t.Errorf("table lacks the 1:00 row:\n%s", tb.String())
	}
}

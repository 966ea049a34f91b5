package footprint

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// durSeries is the keep-alive feeder's read duration histogram.
const durSeries = "faas_autoscaler_keepalive_read_duration_seconds"

// bucket is one cumulative bucket of durSeries: its upper bound and count.
type bucket struct{ le, n float64 }

// parseControllerPage reads the controller's own series off its /metrics
// page (not the per-function ones, most of the page at 100,000
// functions) by their full text, and durSeries' buckets.
func parseControllerPage(body string) (map[string]float64, []bucket) {
	page := map[string]float64{}
	var buckets []bucket
	for line := range strings.SplitSeq(body, "\n") {
		series, v, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(series, "faas_autoscaler_") || strings.HasPrefix(series, "faas_autoscaler_function_") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			continue
		}
		page[series] = f
		if le, ok := strings.CutPrefix(series, durSeries+`_bucket{le="`); ok {
			if b, err := strconv.ParseFloat(strings.TrimSuffix(le, `"}`), 64); err == nil {
				buckets = append(buckets, bucket{b, f})
			}
		}
	}
	return page, buckets
}

// readDuration is the feeder's read duration: its mean, and the bucket
// bounds its median and its slowest read fall under (a histogram keeps no
// maximum). Each is "n/a" when the page lacks what it is made of: a mean
// without _sum is no mean (it read 0 s).
func readDuration(page map[string]float64, buckets []bucket) (mean, p50, slowest string) {
	mean, p50, slowest = "n/a", "n/a", "n/a"
	n, ok := page[durSeries+"_count"]
	if !ok || n <= 0 {
		return
	}
	if sum, ok := page[durSeries+"_sum"]; ok {
		mean = fmt.Sprintf("%.3g s", sum/n)
	}
	if len(buckets) == 0 {
		return
	}
	buckets = slices.SortedFunc(slices.Values(buckets), func(a, b bucket) int { return cmp.Compare(a.le, b.le) })
	under := func(q float64) string {
		for _, b := range buckets {
			if b.n >= q*n {
				if math.IsInf(b.le, 1) {
					break
				}
				return fmt.Sprintf("≤ %g s", b.le)
			}
		}
		return fmt.Sprintf("> %g s", buckets[max(0, len(buckets)-2)].le)
	}
	return mean, under(0.5), under(1)
}

// The report's read duration from a page: a mean only with _sum present
// (the report printed "0 s" without it), the median's and slowest read's
// bucket bounds, "> the last finite bound" past it.
//
// Seen failing before the fix: mean "0 s" for a page without _sum, want "n/a".
func TestReadDurationFromPage(t *testing.T) {
	body := strings.Join([]string{
		"# HELP faas_autoscaler_keepalive_read_duration_seconds x",
		durSeries + `_bucket{le="0.1"} 3`,
		durSeries + `_bucket{le="1"} 4`,
		durSeries + `_bucket{le="+Inf"} 5`,
		durSeries + "_count 5",
		`faas_autoscaler_function_x{function_name="a"} 1`,
	}, "\n")
	page, buckets := parseControllerPage(body)
	if _, ok := page[`faas_autoscaler_function_x{function_name="a"}`]; ok {
		t.Error("a per-function series was kept")
	}
	mean, p50, slowest := readDuration(page, buckets)
	if mean != "n/a" || p50 != "≤ 0.1 s" || slowest != "> 1 s" {
		t.Errorf("without _sum: mean %q, p50 %q, slowest %q; want n/a, ≤ 0.1 s, > 1 s", mean, p50, slowest)
	}
	page, buckets = parseControllerPage(body + "\n" + durSeries + "_sum 2.5")
	if mean, _, _ := readDuration(page, buckets); mean != "0.5 s" {
		t.Errorf("with _sum 2.5 over 5: mean %q, want 0.5 s", mean)
	}
	if mean, p50, slowest := readDuration(map[string]float64{}, nil); mean != "n/a" || p50 != "n/a" || slowest != "n/a" {
		t.Errorf("empty page: %q %q %q, want n/a three times", mean, p50, slowest)
	}
}

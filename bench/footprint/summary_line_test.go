package footprint

import (
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// TestSeriesAbsentFromThePageIsNotMeasured: a figure whose series the
// controller's page lacks is logged as not measured, never as 0 (house
// rule: missing is not zero): "Go heap in use 0.0 MiB" is a heap, and "0
// listings" says the controller never listed, where the page only did not
// say.
func TestSeriesAbsentFromThePageIsNotMeasured(t *testing.T) {
	var rss rssStats
	rss.add(page, 0, time.Minute)
	got := summaryLine(10, time.Minute, "its start", rss, testenv.MetricPage("go_goroutines 12\n"))
	for _, want := range []string{"Go heap in use not measured", "listings not measured"} {
		if !strings.Contains(got, want) {
			t.Errorf("logged %q, want it to say %q", got, want)
		}
	}
	measured := testenv.MetricPage("go_memstats_heap_inuse_bytes 1.048576e+07\n" + listedSeries + " 3\n")
	if got := summaryLine(10, time.Minute, "its start", rss, measured); !strings.HasSuffix(got, "; Go heap in use 10.0 MiB; 3 listings") {
		t.Errorf("logged %q, want the measured figures as before", got)
	}
}

// TestNoSampleInTheLastMinuteIsNotMeasured: the last minute's mean of a
// process sampled outside it only is no figure; it was logged "NaN MiB".
func TestNoSampleInTheLastMinuteIsNotMeasured(t *testing.T) {
	var s rssStats
	s.add(page, 0, 2*time.Minute)
	if got := s.String(); !strings.Contains(got, "last minute mean not measured") {
		t.Errorf("logged %q, want \"last minute mean not measured\"", got)
	}
}

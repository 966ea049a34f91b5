package footprint

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// page is what testenv.ParseMemStatus reads from a status page with
// VmRSS 45312 kB and VmHWM 51200 kB (its test: TestParseMemStatus).
var page = testenv.MemStatus{RSS: 45312, HWM: 51200}

// The page's "kB" is KiB: 45312 kB is 44.25 MiB, not 45.3 (kB) or 43.2
// (1000-byte kB over MiB).
func TestStatsInKiB(t *testing.T) {
	var s rssStats
	s.add(page, 0, time.Minute)
	if got := s.meanMiB(); got != 44.25 {
		t.Errorf("mean %v MiB, want 44.25", got)
	}
}

// The mean is the last minute's samples only (start-up left out), the peak
// is over the whole run, and an empty last minute is no mean, not 0 MiB.
func TestRSSStatsLastMinute(t *testing.T) {
	var s rssStats
	if m := s.meanMiB(); !math.IsNaN(m) {
		t.Errorf("mean without samples %v MiB, want NaN", m)
	}
	at := func(kib uint64, since, toEnd time.Duration) { s.add(testenv.MemStatus{RSS: kib}, since, toEnd) }
	at(90*1024, 0, 3*time.Minute)                // start-up peak
	at(10*1024, 119*time.Second, 61*time.Second) // outside the last minute
	at(40*1024, 120*time.Second, 60*time.Second) // inside
	at(44*1024, 179*time.Second+400*time.Millisecond, time.Second)
	if got := s.meanMiB(); got != 42 {
		t.Errorf("last minute mean %v MiB, want 42", got)
	}
	if s.peakMiB() != 90 || s.peakAt != 0 || s.last != 44*1024 {
		t.Errorf("peak %v MiB at %v, last %d KiB; want 90 at 0s, 45056", s.peakMiB(), s.peakAt, s.last)
	}
}

// The peak is the kernel's high-water mark (VmHWM), not the largest of the
// one-second samples: a collection's transient between two samples, or the
// start-up before the first (the harness samples from /healthz on), is
// resident memory a container limit counts. The fixture's process peaked
// at 50 MiB and sits at 44.25 MiB when sampled.
func TestPeakIsTheHighWaterMark(t *testing.T) {
	var s rssStats
	s.add(page, 0, time.Minute)
	if got := s.peakMiB(); got != 50 {
		t.Errorf("peak %v MiB, want the high-water mark's 50", got)
	}
	if got, want := s.String(), "RSS peak 50.0 MiB (the kernel's high-water mark, VmHWM; largest 1 s sample 44.2 MiB at +0s)"; !strings.HasPrefix(got, want) {
		t.Errorf("logged %q, want it to start %q", got, want)
	}
}

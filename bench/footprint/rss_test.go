package footprint

import (
	"fmt"
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// rssStats reduces the samples of a run: the peak, the largest sample and
// when it came, the mean of the last minute's samples (the steady state,
// start-up left out) and the last sample.
type rssStats struct {
	peak, last, sum, count uint64 // KiB; peak is the largest sample
	peakAt                 time.Duration
	hwm                    uint64 // the kernel's high-water mark at the last sample
}

// add takes one sample, since after the run's start and toEnd before its
// end.
func (s *rssStats) add(m testenv.MemStatus, since, toEnd time.Duration) {
	if m.RSS > s.peak {
		s.peak, s.peakAt = m.RSS, since.Round(time.Second)
	}
	s.last = m.RSS
	s.hwm = max(s.hwm, m.HWM)
	if toEnd <= time.Minute {
		s.sum, s.count = s.sum+m.RSS, s.count+1
	}
}

// peakMiB is the run's peak resident set in MiB: the kernel's high-water
// mark, which one-second samples can only read low (a collection's
// transient between two, the start-up before the first); the largest
// sample where the kernel gave none.
func (s rssStats) peakMiB() float64 { return float64(max(s.peak, s.hwm)) / 1024 }

// meanMiB is the last minute's mean resident set in MiB; NaN without a
// sample in it (never 0).
func (s rssStats) meanMiB() float64 {
	if s.count == 0 {
		return math.NaN()
	}
	return float64(s.sum) / float64(s.count) / 1024
}

func (s rssStats) String() string {
	src := "the kernel's high-water mark, VmHWM"
	if s.hwm == 0 {
		src = "no VmHWM: the largest sample"
	}
	// No sample in the last minute is no mean: said so, not "NaN MiB".
	mean := notMeasured
	if m := s.meanMiB(); !math.IsNaN(m) {
		mean = fmt.Sprintf("%.1f MiB", m)
	}
	return fmt.Sprintf("RSS peak %.1f MiB (%s; largest 1 s sample %.1f MiB at +%s), last minute mean %s, last %.1f MiB",
		s.peakMiB(), src, float64(s.peak)/1024, s.peakAt, mean, float64(s.last)/1024)
}

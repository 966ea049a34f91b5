package footprint

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// memStatus is what /proc/PID/status says of a process's memory, in KiB:
// the file's "kB" is 1024 bytes.
type memStatus struct {
	RSS uint64 // VmRSS: resident now
}

// readStatus reads pid's memStatus.
func readStatus(pid int) (memStatus, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memStatus{}, err
	}
	defer f.Close()
	return parseStatus(f)
}

// parseStatus reads a /proc/PID/status page; a page without VmRSS (a
// zombie's) is an error, never a zero.
func parseStatus(r io.Reader) (memStatus, error) {
	var m memStatus
	found := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kib, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return memStatus{}, fmt.Errorf("VmRSS: %w", err)
			}
			m.RSS, found = kib, true
		}
	}
	if err := sc.Err(); err != nil {
		return memStatus{}, err
	}
	if !found {
		return memStatus{}, fmt.Errorf("no VmRSS in the status page")
	}
	return m, nil
}

// rssStats reduces the samples of a run: the peak and when it came, the
// mean of the last minute's samples (the steady state, start-up left out)
// and the last sample.
type rssStats struct {
	peak, last, sum, count uint64 // KiB
	peakAt                 time.Duration
}

// add takes one sample, since after the run's start and toEnd before its
// end.
func (s *rssStats) add(m memStatus, since, toEnd time.Duration) {
	if m.RSS > s.peak {
		s.peak, s.peakAt = m.RSS, since.Round(time.Second)
	}
	s.last = m.RSS
	if toEnd <= time.Minute {
		s.sum, s.count = s.sum+m.RSS, s.count+1
	}
}

// peakMiB is the run's peak resident set in MiB.
func (s rssStats) peakMiB() float64 { return float64(s.peak) / 1024 }

// meanMiB is the last minute's mean resident set in MiB; NaN without a
// sample in it (never 0).
func (s rssStats) meanMiB() float64 {
	if s.count == 0 {
		return math.NaN()
	}
	return float64(s.sum) / float64(s.count) / 1024
}

func (s rssStats) String() string {
	return fmt.Sprintf("RSS peak %.1f MiB (at +%s), last minute mean %.1f MiB, last %.1f MiB",
		s.peakMiB(), s.peakAt, s.meanMiB(), float64(s.last)/1024)
}

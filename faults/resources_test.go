package faults

import (
	"fmt"
	"testing"
	"time"
)

// resources is what the controller's own /metrics says it holds.
type resources struct{ goroutines, fds, rssMB float64 }

func (r resources) String() string {
	return fmt.Sprintf("%.0f goroutines, %.0f fds, %.0f MB RSS", r.goroutines, r.fds, r.rssMB)
}

func (s *suite) resources() resources {
	g, _ := s.st.Metric(s.t, "go_goroutines", nil)
	f, _ := s.st.Metric(s.t, "process_open_fds", nil)
	r, _ := s.st.Metric(s.t, "process_resident_memory_bytes", nil)
	return resources{g, f, r / (1 << 20)}
}

// checkResources waits (up to 30 s) until goroutines and fds are back near
// the baseline and RSS within 50 MB of it, and fails otherwise. A restarted
// controller has a fresh baseline, so slack covers its warm-up.
func (s *suite) checkResources(t *testing.T, when string) resources {
	t.Helper()
	var r resources
	deadline := time.Now().Add(30 * time.Second)
	for {
		r = s.resources()
		if r.goroutines <= s.base.goroutines*1.2+10 && r.fds <= s.base.fds+10 && r.rssMB <= s.base.rssMB+50 {
			return r
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: %s, baseline %s", when, r, s.base)
			return r
		}
		time.Sleep(500 * time.Millisecond)
	}
}

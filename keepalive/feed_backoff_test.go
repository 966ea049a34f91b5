package keepalive

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// stuckSource answers every read after took, failing it or not.
type stuckSource struct {
	mu    sync.Mutex
	took  time.Duration
	fail  bool
	reads int
}

func (s *stuckSource) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	s.mu.Lock()
	s.reads++
	took, fail := s.took, s.fail
	s.mu.Unlock()
	time.Sleep(took)
	if fail {
		return metricsource.Activity{}, errors.New("query timed out")
	}
	return metricsource.Activity{Covered: true, Started: metricsource.Values{}}, nil
}

// TestFeederBacksOffAfterAFailedSlowRead: reads that fail after 30 s (a
// query timing out on a loaded Prometheus: 100,000 functions on two cores)
// at a 15 s step followed one another at once, the ticker's tick long
// waiting, so the feeder kept the source busy all the time with a query
// that learned nothing. After such a read it waits as long again; a slow
// read that succeeds is still followed at once (it learns), and a failure
// faster than the step keeps the step.
func TestFeederBacksOffAfterAFailedSlowRead(t *testing.T) {
	for _, c := range []struct {
		name     string
		took     time.Duration
		fail     bool
		min, max int // reads in 10 minutes
	}{
		{"failing after 30 s: half the time", 30 * time.Second, true, 9, 11},
		{"succeeding after 30 s: back to back", 30 * time.Second, false, 19, 21},
		{"failing at once: every step", time.Second, true, 39, 41},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, err := New(Default())
				if err != nil {
					t.Fatal(err)
				}
				src := &stuckSource{took: c.took, fail: c.fail}
				f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { _ = f.Run(ctx); close(done) }()
				time.Sleep(10*time.Minute - time.Millisecond)
				cancel()
				<-done
				src.mu.Lock()
				defer src.mu.Unlock()
				if src.reads < c.min || src.reads > c.max {
					t.Errorf("%d reads in 10 minutes, want %d–%d", src.reads, c.min, c.max)
				}
			})
		})
	}
}

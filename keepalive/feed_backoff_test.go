package keepalive

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

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

// TestBackoffIsNoGap: the wait after a failed slow read makes the next read
// come over maxCatchUp steps after it (40 s read, 80 s from its start, the
// next tick at 90 s: six 15 s steps). That span is unknown already (the
// failed read made it so, and is counted and warned as a read error); it
// must not also be counted and warned as a gap, as if the feeder had fallen
// behind on its own.
func TestBackoffIsNoGap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		src := &stuckSource{took: 40 * time.Second, fail: true}
		reg := prometheus.NewRegistry()
		f, err := NewFeeder(FeederConfig{Policy: p, Source: src, Step: 15 * time.Second, Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { _ = f.Run(ctx); close(done) }()
		time.Sleep(10*time.Minute - time.Millisecond)
		cancel()
		<-done
		if gap := testutil.ToFloat64(f.metrics.unknown.WithLabelValues(unknownGap)); gap != 0 {
			t.Errorf("%v gap steps counted while the feeder waited after failed reads, want 0", gap)
		}
		if failed := testutil.ToFloat64(f.metrics.unknown.WithLabelValues(unknownReadError)); failed < 5 {
			t.Errorf("%v read errors counted, want the failed reads (at least 5)", failed)
		}
	})
}

// cancellingSource cancels the feeder's context during its read (a
// shutdown arriving while Prometheus answers) and answers after two steps,
// so a tick is waiting when the read returns.
type cancellingSource struct {
	cancel context.CancelFunc
	reads  int
}

func (s *cancellingSource) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	s.reads++
	s.cancel()
	time.Sleep(30 * time.Second)
	return metricsource.Activity{Covered: true, Started: metricsource.Values{}}, nil
}

// TestFeederStopsAtOnceWhenCancelled: a feeder cancelled during a read
// returns after it. Run's select had both its context and a waiting tick
// ready and picked one at random, so it went on reading after a shutdown
// (each read then failing on the cancelled context, counted as an error
// and warned about as learning stopped) about half the time per tick; it
// made TestFeederBacksOffAfterAFailedSlowRead count 22–24 reads where 20
// were made in its 10 minutes, about one run in four.
func TestFeederStopsAtOnceWhenCancelled(t *testing.T) {
	for range 20 { // at random, each round had one chance in two
		synctest.Test(t, func(t *testing.T) {
			p, err := New(Default())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			src := &cancellingSource{cancel: cancel}
			f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
			_ = f.Run(ctx)
			if src.reads != 1 {
				t.Fatalf("%d reads, want 1: the feeder read on after its context was cancelled", src.reads)
			}
		})
	}
}

package embedded

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestASlowScrapeIsRecordedWhenItWasMade: a scrape that outlasts the
// interval (a loaded gateway, inside a timeout set longer than the
// interval) leaves the ticker's next tick waiting, seconds old. The next
// scrape is made after it, and its counters are as of then: recorded at the
// stale tick's time, they held the calls of more than an interval in one,
// a rate and an arrivals' peak too high by as much as the overrun.
func TestASlowScrapeIsRecordedWhenItWasMade(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		var mu sync.Mutex
		var began []time.Duration
		cfg := DefaultConfig()
		cfg.Interval, cfg.Timeout = time.Second, 3*time.Second
		cfg.Fetch = func(context.Context) (io.ReadCloser, error) {
			mu.Lock()
			began = append(began, time.Since(t0))
			slow := len(began) == 2
			mu.Unlock()
			if slow {
				time.Sleep(1500 * time.Millisecond) // virtual time: the gateway answers late
			}
			return io.NopCloser(strings.NewReader("gateway_function_invocation_started{function_name=\"a\"} 1\n")), nil
		}
		src, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = src.Run(ctx); close(done) }()
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		src.mu.RLock()
		defer src.mu.RUnlock()
		if len(src.st.scrapes) != len(began) {
			t.Fatalf("%d scrapes recorded, %d made", len(src.st.scrapes), len(began))
		}
		for i, b := range began {
			if at := time.Duration(src.st.scrapes[i] - t0.UnixNano()); at != b {
				t.Errorf("scrape %d made at %s, recorded at %s", i, b, at)
			}
		}
	})
}

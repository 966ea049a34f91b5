package teststack

import (
	"sync"
	"testing"
	"time"
)

// Every calls fn every interval on a goroutine of its own, to drive load on
// an exporter while a real server scrapes it. It runs until the returned stop
// is called or the test ends; stop waits for a call in progress to return, so
// no call outlives it.
func Every(t testing.TB, interval time.Duration, fn func()) (stop func()) {
	t.Helper()
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				fn()
			}
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { close(quit); <-done }) }
	t.Cleanup(stop)
	return stop
}

package keepalive

import (
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestDueAndAReloadDoNotRace: Due reads the pre-warm share while a reload's
// SetPrice writes it (the pre-warmer's pass and a SIGHUP). Run with -race;
// seen failing under it before the fix (found by a review): Due read
// p.cfg.PreWarmShare after releasing mu.
func TestDueAndAReloadDoNotRace(t *testing.T) {
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "a", Namespace: "fn"}
	now := time.Now()
	p.ObserveCount(ref, now, 15*time.Second, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			if err := p.SetPrice(time.Duration(10+i%5)*time.Minute, 0.1+float64(i%3)/10); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 200 {
		p.Due(now, []provider.Ref{ref}, 0, 15*time.Minute)
	}
	wg.Wait()
}

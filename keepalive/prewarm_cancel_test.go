package keepalive

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// slowListing cancels the pre-warmer's context during its first pass's
// listing and answers 25 s later (a slow provider as the term ends), so
// that two ticks of its 10 s interval have come and one waits.
type slowListing struct {
	Provider
	cancel context.CancelFunc
	mu     sync.Mutex
	lists  int
}

func (s *slowListing) Namespaces(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	s.lists++
	first := s.lists == 1
	s.mu.Unlock()
	if first {
		s.cancel()
		time.Sleep(25 * time.Second)
	}
	return s.Provider.Namespaces(ctx)
}

// TestPreWarmerStopsAtOnceWhenCancelled: a pre-warmer cancelled during a
// pass returns after it, not after one more. Its select, like the
// feeder's, had a waiting tick and the context both ready and picked one
// at random: a pass after the term ended, whose pre-warms an actuator
// whose pool has stopped applies inline (refused only by a provider that
// heeds the cancelled context).
func TestPreWarmerStopsAtOnceWhenCancelled(t *testing.T) {
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			pol, err := New(Default())
			if err != nil {
				t.Fatal(err)
			}
			prov := memory.New(clock.Real(), memory.Options{})
			ctx, cancel := context.WithCancel(t.Context())
			lister := &slowListing{Provider: prov, cancel: cancel}
			w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: lister, Actuator: newActuator(t, prov)})
			if err != nil {
				t.Fatal(err)
			}
			_ = w.Run(ctx)
			if lister.lists != 1 {
				t.Fatalf("%d passes, want 1: the pre-warmer passed again after its context was cancelled", lister.lists)
			}
		})
	}
}

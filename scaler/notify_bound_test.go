package scaler

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestNotifyQueuesOnlyWhatItCanAct: before the first listing, and on a
// replica that does not lead, a signal is refused as unavailable (503, so
// AlertManager retries it where it can be acted on) and nothing is queued;
// after the listing, unknown names are refused one by one. The queue never
// holds more than the listed functions, however many names arrive — it
// held every bogus name before, and the provider was then asked for each.
func TestNotifyQueuesOnlyWhatItCanAct(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leading := false
		e := newLoopEnv(t, func(c *LoopConfig) { c.Leading = func() bool { return leading } }, function(refA, 1, nil))
		pending := func() int {
			e.loop.mu.Lock()
			defer e.loop.mu.Unlock()
			return len(e.loop.pending)
		}
		if err := e.loop.Notify(t.Context(), Signal{Ref: refA, Status: Firing}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Notify on a follower = %v, want ErrUnavailable", err)
		}
		leading = true
		for i := range 2000 {
			err := e.loop.Notify(t.Context(), Signal{Ref: provider.Ref{Name: fmt.Sprintf("bogus-%d", i), Namespace: "x"}, Status: Firing})
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Notify before the first listing = %v, want ErrUnavailable", err)
			}
		}
		if n := pending(); n != 0 {
			t.Errorf("%d signals queued before the first listing, want 0", n)
		}
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		for i := range 2000 {
			err := e.loop.Notify(t.Context(), Signal{Ref: provider.Ref{Name: fmt.Sprintf("bogus-%d", i), Namespace: "x"}, Status: Firing})
			if !errors.Is(err, ErrUnknownFunction) {
				t.Fatalf("Notify for an unknown name = %v, want ErrUnknownFunction", err)
			}
		}
		if err := e.loop.Notify(t.Context(), Signal{Ref: refA, Status: Firing}); err != nil {
			t.Errorf("Notify for a listed function = %v", err)
		}
		if n := pending(); n != 1 {
			t.Errorf("%d signals queued, want 1 (only the listed function)", n)
		}
	})
}

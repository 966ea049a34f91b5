package scaler

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestFloorRaiseIsNoScaleUp: LastScaleUp is the idler's guard for growth
// the load caused (RecentScaleUp: "never idle a function the scaler has just
// grown"). A raise to a floor (a scheduled minimum through MinFloor, at_min
// or scheduled_min) is no such growth: counted as one, it held a function
// opted in to zero a whole zero-duration past the end of its scheduled
// minimum ("scaled up by the scaler 2m ago"), though nobody had called it.
// A raise for load, from zero or not, still counts.
//
// Seen failing: "a at zero, raised to its floor 1 (at_min): LastScaleUp
// 2000-01-01 00:00:00, want zero".
func TestFloorRaiseIsNoScaleUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var floor atomic.Uint64
		e := newLoopEnv(t, func(c *LoopConfig) {
			c.Defaults.DownWindow = 0
			c.MinFloor = func(_ provider.Function, _ time.Time) (uint64, string) {
				return floor.Load(), "a scheduled minimum"
			}
		}, function(refA, 0, nil), function(refB, 1, nil))
		tick := func() {
			t.Helper()
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		floor.Store(1)
		tick()
		if got := e.prov.replicas(refA); got != 1 {
			t.Fatalf("control: a at zero with a floor of 1: %d replicas, want 1", got)
		}
		if got := e.loop.LastScaleUp(refA); !got.IsZero() {
			t.Errorf("a at zero, raised to its floor 1 (at_min): LastScaleUp %v, want zero (no load grew it)", got)
		}
		time.Sleep(time.Minute)
		floor.Store(3)
		tick()
		for _, r := range []struct {
			name string
			ref  provider.Ref
		}{{"a", refA}, {"b", refB}} {
			if got := e.prov.replicas(r.ref); got != 3 {
				t.Fatalf("control: %s with a floor of 3: %d replicas, want 3", r.name, got)
			}
			if got := e.loop.LastScaleUp(r.ref); !got.IsZero() {
				t.Errorf("%s raised to its scheduled minimum 3 (scheduled_min): LastScaleUp %v, want zero", r.name, got)
			}
		}
		// The explain API still says how the count last changed.
		e.loop.mu.Lock()
		b, err := json.Marshal(e.loop.fns[refB].state())
		e.loop.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if want := `"last_scale_direction":"up_to_floor"`; !strings.Contains(string(b), want) {
			t.Errorf("b's state %s, want %s", b, want)
		}
		time.Sleep(time.Minute)
		e.src.Set("rps", refA, 1000)
		up := time.Now()
		tick()
		if got := e.prov.replicas(refA); got <= 3 {
			t.Fatalf("control: a under load: %d replicas, want more than 3", got)
		}
		if got := e.loop.LastScaleUp(refA); !got.Equal(up) {
			t.Errorf("a grown by its load: LastScaleUp %v, want %v", got, up)
		}
	})
}

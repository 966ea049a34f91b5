package actuator

import (
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// Workers is bounded on both sides: Start runs one goroutine per worker
// before the pool serves, so a huge count would wedge the process.
func TestWorkersBounded(t *testing.T) {
	for _, tc := range []struct {
		workers int
		ok      bool
	}{{0, false}, {1, true}, {MaxWorkers, true}, {MaxWorkers + 1, false}, {1_000_000_000, false}} {
		c := Default()
		c.Provider = memory.New(clock.Real(), memory.Options{})
		c.Workers = tc.workers
		err := c.Validate()
		if tc.ok != (err == nil) {
			t.Errorf("Workers %d: error %v, want ok=%v", tc.workers, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "workers = ") {
			t.Errorf("Workers %d: error %q does not name workers", tc.workers, err)
		}
	}
}

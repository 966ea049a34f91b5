package idler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// slowSource answers each activity query after a while, unless the
// caller's deadline comes first, and says it bounds its calls itself
// (metricsource.Bounded) as the Prometheus source does.
type slowSource struct {
	*fakeSource
	took   time.Duration
	bounds bool
}

func (s *slowSource) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	select {
	case <-time.After(s.took):
	case <-ctx.Done():
		return metricsource.Activity{}, ctx.Err()
	}
	return s.fakeSource.Activity(ctx, window)
}

func (s *slowSource) BoundsItsCalls() bool { return s.bounds }

// TestAReadTheSourceBoundsItselfIsNotCutAtTheCallTimeout: the idler bounded
// every read of a remote source by CallTimeout (actuator.call_timeout, 10 s,
// the actuator's write deadline), though the Prometheus source bounds each
// of its reads by prometheus.timeout and a window read in chunks stops at
// its first failed chunk. A window of 10,000 functions over 4 h read in
// chunks takes 12.7 s (docs/benchmarks.md): cut at 10 s every cycle, its
// functions were never idled. A source that bounds its calls itself is
// waited for; one that does not is still cut at CallTimeout.
//
// Seen failing before the fix: a source that bounds its own calls, its
// read taking 12.7 s: idled [] (activity query failed: context deadline
// exceeded), want a
func TestAReadTheSourceBoundsItselfIsNotCutAtTheCallTimeout(t *testing.T) {
	for _, bounds := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			old := time.Now().Add(-48 * time.Hour)
			e := newEnv(t, Config{CallTimeout: 10 * time.Second}, function("a", 1, old, optIn(LabelZeroDuration, "4h")))
			e.d.cfg.Source = &slowSource{fakeSource: e.src, took: 12700 * time.Millisecond, bounds: bounds}
			rep := e.d.RunOnce(t.Context(), time.Now())
			idled := len(rep.Idled) == 1
			if idled != bounds {
				t.Errorf("a source that bounds its own calls: %v, its read taking 12.7 s: idled %v (%s), want idled %v",
					bounds, rep.Idled, verdictOf(rep, ref("a")).Reason, bounds)
			}
		})
	}
}

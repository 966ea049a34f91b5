package metricsource_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// countingBase is a base source with StartedCounts (as Prometheus's and
// the embedded store's are).
type countingBase struct {
	fakeBase
	counted, activities int
}

func (c *countingBase) Activity(ctx context.Context, w time.Duration) (metricsource.Activity, error) {
	c.activities++
	return c.fakeBase.Activity(ctx, w)
}

func (c *countingBase) StartedCounts(_ context.Context, _ time.Duration, buf []metricsource.Count) ([]metricsource.Count, error) {
	c.counted++
	return append(buf[:0], metricsource.Count{Ref: fnA, N: 1}), nil
}

// TestWithQueueStartedCountsSkipsTheQueue: the keep-alive feeder's read
// through a NATS-backed source (WithQueue) is the base's one-query read. It
// fell back to a whole Activity: every base query and a queue read each
// step, and a queue that did not answer made the step's calls unknown.
func TestWithQueueStartedCountsSkipsTheQueue(t *testing.T) {
	for _, base := range []interface {
		metricsource.Source
		reads() (counted, activities int)
	}{&countingBase{}, &activityOnly{}} {
		q := &fakeQueue{err: errors.New("nats: timeout")}
		src := metricsource.WithQueue(base, q, 0, time.Now)
		got, err := metricsource.Started(context.Background(), src, time.Minute, nil)
		if err != nil || len(got) != 1 || got[0].Ref != fnA || got[0].N != 1 {
			t.Errorf("%T: Started = %v, %v; want a's one call, whatever the queue says", base, got, err)
		}
		if q.n != 0 {
			t.Errorf("%T: the queue was read %d times for invocation counts", base, q.n)
		}
		counted, activities := base.reads()
		if _, ok := base.(*countingBase); ok && (counted != 1 || activities != 0) {
			t.Errorf("base's StartedCounts read %d times and Activity %d, want 1 and 0", counted, activities)
		}
	}
}

func (c *countingBase) reads() (int, int) { return c.counted, c.activities }

// activityOnly is a base without StartedCounts: Started falls back to its
// Activity's Started, still without the queue.
type activityOnly struct{ fakeBase }

func (*activityOnly) reads() (int, int) { return 0, 0 }

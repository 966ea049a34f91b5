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

// totalsBase is a base source with StartedTotals (as Prometheus's is).
type totalsBase struct {
	fakeBase
	at []time.Time
}

func (b *totalsBase) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	b.at = append(b.at, at)
	return append(buf[:0], metricsource.Total{Ref: fnA, Series: 1, N: 4}), nil
}

// TestWithQueueStartedTotals: a NATS-backed source over Prometheus reads
// the started counters through its base, as the feeder's cheap read needs,
// and does not claim to over a base that cannot (the feeder would then
// read nothing where the base's counts or Activity answer).
func TestWithQueueStartedTotals(t *testing.T) {
	base := &totalsBase{}
	q := &fakeQueue{err: errors.New("nats: timeout")}
	src, ok := metricsource.WithQueue(base, q, 0, time.Now).(metricsource.StartedTotals)
	if !ok {
		t.Fatal("WithQueue over a base with StartedTotals has none")
	}
	at := time.Unix(1_700_000_000, 0)
	got, err := src.StartedTotals(context.Background(), at, nil)
	if err != nil || len(got) != 1 || got[0].N != 4 || len(base.at) != 1 || !base.at[0].Equal(at) {
		t.Errorf("StartedTotals = %v, %v (base asked at %v); want the base's total, asked at %v", got, err, base.at, at)
	}
	if q.n != 0 {
		t.Errorf("the queue was read %d times for the started counters", q.n)
	}
	for _, b := range []metricsource.Source{&countingBase{}, &activityOnly{}} {
		if _, ok := metricsource.WithQueue(b, q, 0, time.Now).(metricsource.StartedTotals); ok {
			t.Errorf("WithQueue over a %T (no StartedTotals) claims StartedTotals", b)
		}
	}
}

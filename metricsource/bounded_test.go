package metricsource_test

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

type boundedBase struct{ fakeBase }

func (boundedBase) BoundsItsCalls() bool { return true }

type boundedQueue struct{ fakeQueue }

func (boundedQueue) BoundsItsCalls() bool { return true }

// TestWithQueueBoundsItsCallsOnlyWhenBothDo: the backlog wrapper says it
// bounds its calls (so the idler adds no deadline) only when the base
// source and the queue reader both do: a read is the base's, then the
// queue's.
func TestWithQueueBoundsItsCallsOnlyWhenBothDo(t *testing.T) {
	for _, tc := range []struct {
		base   metricsource.Source
		q      metricsource.QueueReader
		bounds bool
	}{
		{&boundedBase{}, &boundedQueue{}, true},
		{&fakeBase{}, &boundedQueue{}, false},
		{&boundedBase{}, &fakeQueue{}, false},
	} {
		src := metricsource.WithQueue(tc.base, tc.q, 0, time.Now)
		if got := metricsource.BoundsItsCalls(src); got != tc.bounds {
			t.Errorf("base %T, queue %T: bounds its calls %v, want %v", tc.base, tc.q, got, tc.bounds)
		}
	}
	if metricsource.BoundsItsCalls(&fakeBase{}) {
		t.Error("a source without BoundsItsCalls bounds its calls")
	}
}

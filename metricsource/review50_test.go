package metricsource_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// heldQueue is a NATS that does not answer: each read waits until release
// is closed or its context ends (jetstream.Source's read is bounded by
// --nats-timeout, 5 s by default). entered says a read is under way.
type heldQueue struct {
	entered chan struct{}
	release chan struct{}
}

func (q heldQueue) Queued(ctx context.Context) (metricsource.Values, error) {
	select {
	case q.entered <- struct{}{}:
	default:
	}
	select {
	case <-q.release:
		return nil, errors.New("nats: timeout")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestReview50WithQueueWaiterHonoursItsContext: withQueue.queued held its
// mutex over the whole read so that concurrent callers shared one request,
// and a caller that found the mutex held waited in sync.Mutex.Lock, deaf to
// its own context. While one caller's read waits out a hung NATS
// (--nats-timeout, 5 s by default), every other caller of Load(queue) or
// Activity -- the idler's cycle, the explain API, a pass whose leadership
// was lost or whose process is shutting down -- stayed stuck for the rest of
// that read whatever its own deadline or cancellation said. Here the second
// caller's context is cancelled; it must return at once. (On virtual time
// since the reads are shared through a channel; with the mutex the bubble
// never settled, so the first version of this test bounded it in real time.)
func TestReview50WithQueueWaiterHonoursItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := heldQueue{entered: make(chan struct{}, 1), release: make(chan struct{})}
		src := metricsource.WithQueue(&fakeBase{}, q, time.Second, time.Now)
		lq := metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: time.Minute}

		first := make(chan error, 1)
		go func() {
			_, err := src.Load(context.Background(), lq)
			first <- err
		}()
		<-q.entered // the first read is under way

		ctx, cancel := context.WithCancel(context.Background())
		second := make(chan error, 1)
		go func() {
			_, err := src.Load(ctx, lq)
			second <- err
		}()
		synctest.Wait() // the second caller waits for the first's read
		cancel()
		synctest.Wait()
		select {
		case err := <-second:
			if err == nil {
				t.Errorf("second caller, cancelled: nil error; want its context's error")
			}
		default:
			t.Errorf("a caller whose context was cancelled is still waiting, for another caller's queue read")
		}
		close(q.release)
		<-first
	})
}

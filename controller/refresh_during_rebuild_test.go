package controller

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
)

// countedReplicaReads is a Prometheus whose history holds no calls, whose
// counter history takes slow to answer, and which counts the steps of the
// replica history (keepalive.RebuildReplicasQuery) read, over all reads
// (it is read newest first, in spans).
type countedReplicaReads struct {
	slow     time.Duration
	replicas atomic.Int32
}

func (h *countedReplicaReads) QueryRange(ctx context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	switch q {
	case keepalive.RebuildQuery():
		select {
		case <-time.After(h.slow):
		case <-ctx.Done():
			return nil, nil, nil, ctx.Err()
		}
	case keepalive.RebuildReplicasQuery(r.Step):
		h.replicas.Add(int32(r.End.Sub(r.Start)/r.Step) + 1)
	}
	return model.Matrix{}, nil, nil, nil
}

// TestATermStartedDuringTheRebuildDoesNotReadTheReplicaHistoryAgain: a
// replica that leads at once starts its first term while its start's
// rebuild is still reading history; the term read the replica history
// (refreshZeroed) beside the rebuild, which reads it too as it ends: the
// same history read twice at once. At 100,000 functions that read is
// Prometheus' costliest (minutes for a day), and the term's copy, bounded
// at 10 s, ran out every time while it slowed the rebuild's parts. The
// term now leaves it to the rebuild.
//
// The term may also start before Learn's goroutine has begun the rebuild
// (both start together in `run`): session 39's footprint run, after the
// first fix, still read it twice so.
//
// Seen failing without the check in refreshZeroed: "the replica history
// read 2 times, want 1 (the rebuild's)"; with the flag set by Learn rather
// than New, the same for the term started first. (Counted in steps since
// the history is read newest first, in spans: 122 steps, want 61.)
func TestATermStartedDuringTheRebuildDoesNotReadTheReplicaHistoryAgain(t *testing.T) {
	for _, actFirst := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			cfg := config15s()
			cfg.KeepAlive.RebuildLookback = time.Hour
			h := &countedReplicaReads{slow: 20 * time.Second}
			ctl, _, _ := learnOver(t, cfg, h)
			ctx, cancel := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			if actFirst {
				wg.Go(func() { ctl.Act(ctx) })
				time.Sleep(time.Second) // the term has started
				wg.Go(func() { _ = ctl.Learn(ctx) })
			} else {
				wg.Go(func() { _ = ctl.Learn(ctx) })
				time.Sleep(time.Second) // the rebuild is reading its first part
				wg.Go(func() { ctl.Act(ctx) })
			}
			time.Sleep(time.Minute) // the rebuild has ended
			// The lookback's 61 one-minute steps, each read once.
			if got := h.replicas.Load(); got != 61 {
				t.Errorf("term started first %v: %d steps of the replica history read, want 61 (the rebuild's, once)", actFirst, got)
			}
			cancel()
			wg.Wait()
		})
	}
}

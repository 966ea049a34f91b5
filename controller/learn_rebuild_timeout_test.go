package controller

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// stuckHistory is a Prometheus that answers no range query: each waits
// until its context ends, and the first such end is recorded.
type stuckHistory struct {
	mu    sync.Mutex
	ended time.Time
}

func (h *stuckHistory) QueryRange(ctx context.Context, _ string, _ v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	<-ctx.Done()
	h.mu.Lock()
	if h.ended.IsZero() {
		h.ended = time.Now()
	}
	h.mu.Unlock()
	return nil, nil, nil, ctx.Err()
}

func (h *stuckHistory) end() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ended
}

// TestLearnBoundsTheRebuildAtRebuildTimeout: the rebuild from history ends
// at keep_alive.rebuild_timeout, on virtual time: a Prometheus that never
// answers is given up on at 2 m when the key says 2m, not at the 30 s the
// bound was hard-coded at.
//
// Seen failing with Learn's bound put back to 30*time.Second: "the rebuild
// was given up on 30s after the start, want 2m0s".
func TestLearnBoundsTheRebuildAtRebuildTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = time.Hour
		cfg.KeepAlive.RebuildTimeout = 2 * time.Minute
		hist := &stuckHistory{}
		ctl, _, _ := learnOver(t, cfg, hist)
		start := time.Now()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = ctl.Learn(ctx) }()
		time.Sleep(5 * time.Minute)
		cancel()
		<-done
		if got := hist.end().Sub(start); got != cfg.KeepAlive.RebuildTimeout {
			t.Errorf("the rebuild was given up on %s after the start, want %s", got, cfg.KeepAlive.RebuildTimeout)
		}
	})
}

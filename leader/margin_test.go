package leader

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
)

// TestACutOffLeaderStopsBeforeTheEarliestTakeover, for timings that
// Validate accepts: leader a renews, then is cut off from the API server;
// follower b saw that renewal just after it was written, and takes the
// lease as soon as the record it saw has expired. a's work must have
// stopped by then, whatever the margin LeaseDuration − RenewDeadline. The
// follower is driven attempt by attempt, 100ms apart, so the check does
// not depend on its polls' jitter.
//
// Seen failing before the fix, with lease 11s, renew deadline 10s, retry
// 8s: "b took the lease 11.001s after a's last renewal while a still
// leads" (the watchdog checked every RetryPeriod/4 = 2s, so it stopped the
// work up to 2s after RenewDeadline, beyond the 1s margin). With lease
// 3.9s, renew deadline 3.5s, retry 1s (written to the Lease as 3s): "b
// took the lease 3.001s after a's last renewal while a still leads";
// Validate now refuses such a lease duration (TestConfigValidate).
func TestACutOffLeaderStopsBeforeTheEarliestTakeover(t *testing.T) {
	for _, tc := range []struct {
		name                string
		lease, renew, retry time.Duration
	}{
		{"defaults", DefaultLeaseDuration, DefaultRenewDeadline, DefaultRetryPeriod},
		{"margin below the watchdog's old tick", 11 * time.Second, 10 * time.Second, 8 * time.Second},
		{"margin of a second", 3 * time.Second, 2 * time.Second, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := &kubeapi.MemoryLeases{}
				var cut atomic.Bool
				cfg := Config{Client: cutOff{Leases: mem, cut: &cut}, Namespace: "openfaas", Identity: "a",
					LeaseDuration: tc.lease, RenewDeadline: tc.renew, RetryPeriod: tc.retry,
					OnStartedLeading: func(ctx context.Context) { <-ctx.Done() }}
				a, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { _ = a.Run(ctx); close(done) }()
				defer func() { cancel(); <-done }()

				bCfg := cfg
				bCfg.Client, bCfg.Identity = mem, "b"
				b, err := New(bCfg)
				if err != nil {
					t.Fatal(err)
				}
				// a wins and renews a few times; right after a renewal
				// is written, b reads it and a is cut off.
				time.Sleep(3*tc.retry + time.Millisecond)
				synctest.Wait()
				if !a.IsLeader() {
					t.Fatal("a does not lead before the cut")
				}
				cut.Store(true)
				last := *a.current.Load().lastRenew.Load()
				if held, lost, err := b.tryAcquireOrRenew(ctx); held || !lost {
					t.Fatalf("b held %v, lost %v (%v) on a's live lease", held, lost, err)
				}
				// b tries every 100ms until it takes the lease.
				for {
					time.Sleep(100 * time.Millisecond)
					synctest.Wait()
					if held, _, _ := b.tryAcquireOrRenew(ctx); held {
						break
					}
					if time.Since(last) > 2*tc.lease {
						t.Fatalf("b did not take the lease in the %s after a's last renewal", time.Since(last))
					}
				}
				if a.IsLeader() {
					t.Errorf("b took the lease %s after a's last renewal while a still leads", time.Since(last))
				}
			})
		})
	}
}

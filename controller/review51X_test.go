package controller

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// review51XGauge is the one sample of the unlabelled gauge name on reg.
func review51XGauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("%s not exported", name)
	return 0
}

// TestReview51XFollowerKeepAliveNeverForgetsDeletedFunctions: Learn runs
// on every replica, leader or not (learn.go, Learn), so the keep-alive
// of a warm follower (the chart's default on Kubernetes: 2 replicas)
// learns every function the gateway counts. But only the idler, which runs
// on the leader alone, reports the listing (keepalive.Policy.Listed, via
// idler/cycle.go's ListingObserver): a follower never forgets a deleted
// function and never cuts its histories to the budget (trimToBudget runs
// only in Listed). faas_autoscaler_keepalive_functions says "forgotten an
// hour after they stop being listed", and keepalive/listed.go says that
// keeping every function for good "grew it without bound" in a cluster that
// deploys and deletes functions (a preview per pull request): that is what
// the standby replica still does, for as long as it follows.
// Expected: on a follower too, a function deleted for more than
// keepalive.ForgetAfter is forgotten (functions gauge 1 here, as on the
// leader), not held for ever (2).
func TestReview51XFollowerKeepAliveNeverForgetsDeletedFunctions(t *testing.T) {
	for _, lead := range []bool{true, false} {
		name := "follower"
		if lead {
			name = "leader (control)"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				z := labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "auto")
				s := newStack(t, cfg, Wiring{}, fn{name: "kept", replicas: 1, labels: z}, fn{name: "preview", replicas: 1, labels: z})
				base := runStack(t, s)
				var leading atomic.Bool
				reg := prometheus.NewRegistry()
				ctl, err := New(cfg, Wiring{}, Deps{Provider: s.mem, Source: s.src, Registerer: reg, Leading: leading.Load})
				if err != nil {
					t.Fatal(err)
				}
				ctx, stop := context.WithCancel(base)
				var wg sync.WaitGroup
				defer func() { stop(); wg.Wait() }()
				wg.Go(func() { _ = ctl.Learn(ctx) }) // every replica learns
				if lead {
					end := startTerm(ctx, ctl, &leading)
					defer end()
				}
				// The feeder learns both functions' calls (told to the
				// policy directly, as anotherLeaderRunsTheTimer does).
				for range 5 {
					now := time.Now()
					ctl.KeepAlive.Observe(ref("kept"), now)
					ctl.KeepAlive.Observe(ref("preview"), now)
					time.Sleep(time.Minute)
				}
				if got := review51XGauge(t, reg, "faas_autoscaler_keepalive_functions"); got != 2 {
					t.Fatalf("before the deletion: keepalive functions = %v, want 2", got)
				}
				if err := s.mem.Remove(ref("preview")); err != nil {
					t.Fatal(err)
				}
				time.Sleep(2 * time.Hour) // twice keepalive.ForgetAfter
				if got := review51XGauge(t, reg, "faas_autoscaler_keepalive_functions"); got != 1 {
					t.Errorf("2 h after %q was deleted: faas_autoscaler_keepalive_functions = %v, want 1 (forgotten an hour after it stopped being listed)", "preview", got)
				}
			})
		})
	}
}

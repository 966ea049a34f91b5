package controller

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestWakeSurvivesRestart: issue 15, item 5, idler half. A function parked
// at zero is woken by the gateway (its scale from zero goes straight to the
// provider, as OpenFaaS's does), and the controller is killed one second
// later. A new assembly over the same provider and metrics source (the
// Prometheus that outlives the controller) must not idle it before its
// zero-duration has passed since the wake, as the first one would not have:
// the wake is rebuilt from the gateway's replica count in the source's
// history (Activity.Woken). It is still idled once that has passed.
//
// Seen failing: with rememberWake's body removed (the new idler knows only
// what it listed itself), it is idled 6 s after the wake, as in the issue
// (5.9 s): its replica is ready after the 2 s cold start, it was never
// invoked, and nothing else guards it.
func TestWakeSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const zeroDuration = 20 * time.Second
		cfg := testConfig()
		s := newStack(t, cfg, Wiring{}, fn{name: "w", replicas: 0,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, zeroDuration.String())})
		// The gateway and the source outlive the controller.
		base, stop := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		defer func() { stop(); wg.Wait() }()
		wg.Go(func() { _ = s.gw.Run(base) })
		wg.Go(func() { _ = s.src.Run(base) })

		first, kill := context.WithCancel(base)
		wg.Go(func() { s.ctl.Act(first) })
		time.Sleep(time.Minute) // parked and observed at zero for a while

		if err := s.mem.Scale(base, ref("w"), 1); err != nil {
			t.Fatal(err)
		}
		wake := time.Now()
		time.Sleep(time.Second)
		kill() // SIGKILL: everything the first assembly knew is gone
		synctest.Wait()

		reg := prometheus.NewRegistry()
		second, err := New(cfg, Wiring{}, Deps{Provider: provider.Instrument(s.mem, reg), Source: s.src, Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { second.Act(base) })
		var idled time.Duration
		for idled == 0 && time.Since(wake) < 2*zeroDuration {
			time.Sleep(500 * time.Millisecond)
			if s.replicas(t, "w") == 0 {
				idled = time.Since(wake)
			}
		}
		switch {
		case idled == 0:
			t.Fatalf("never idled within %s of the wake: %+v", 2*zeroDuration, second.Actuator.History(ref("w")))
		case idled < zeroDuration:
			t.Fatalf("idled %s after the wake, before its zero-duration %s: %+v", idled, zeroDuration, second.Actuator.History(ref("w")))
		}
		t.Logf("idled %s after the wake (zero-duration %s)", idled, zeroDuration)
	})
}

package controller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestTheConfiguredZeroDurationReachesTheIdler: defaults.zero_duration
// (and --default-zero-duration, env inactivity_duration) is the
// zero-duration of an opted-in function without its own label, for the
// idler as for the scaler and the pre-warmer, from the start. buildIdler
// started from idler.Default(), whose DefaultZeroDuration override (15m)
// took the place of the configured value until the first reload.
//
// Seen failing before the fix (found by a review):
// idler_defaults_test.go:36: defaults.zero_duration: 2m, function with
// zero=true and no zero-duration label, idle: 1 replicas after 6m, want 0
// (the idler uses 15m)
func TestTheConfiguredZeroDurationReachesTheIdler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Defaults.ZeroDuration = 2 * time.Minute
		s := newStack(t, cfg, Wiring{},
			fn{name: "labelled", replicas: 1, labels: labels("com.openfaas.scale.zero", "true", "com.openfaas.scale.zero-duration", "2m")},
			fn{name: "defaulted", replicas: 1, labels: labels("com.openfaas.scale.zero", "true")})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(6 * time.Minute)
		if r := s.replicas(t, "labelled"); r != 0 {
			t.Fatalf("control: the function labelled zero-duration=2m is at %d after 6m, want 0", r)
		}
		if r := s.replicas(t, "defaulted"); r != 0 {
			t.Errorf("defaults.zero_duration: 2m, function with zero=true and no zero-duration label, idle: %d replicas after 6m, want 0 (the idler uses 15m)", r)
		}
	})
}

// TestAReloadedZeroDurationReachesTheIdler: a reload of
// defaults.zero_duration while the components run agrees with the start:
// the idler uses the new value for a function without its own label.
func TestAReloadedZeroDurationReachesTheIdler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Defaults.ZeroDuration = time.Hour
		s := newStack(t, cfg, Wiring{}, fn{name: "defaulted", replicas: 1, labels: labels("com.openfaas.scale.zero", "true")})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(time.Minute)
		next := cfg
		next.Defaults.ZeroDuration = 2 * time.Minute
		if restart, err := s.ctl.Reload(next); err != nil || len(restart) != 0 {
			t.Fatalf("reload defaults.zero_duration 1h → 2m: restart-only %v, err %v; want none, nil", restart, err)
		}
		time.Sleep(5 * time.Minute)
		if r := s.replicas(t, "defaulted"); r != 0 {
			t.Errorf("defaults.zero_duration reloaded 1h → 2m, function with zero=true and no zero-duration label, idle: %d replicas after 6m, want 0", r)
		}
	})
}

package scaler

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

func TestNewLoopValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  LoopConfig
		want string
	}{
		{"no provider", LoopConfig{Source: scalertest.NewSource(), Defaults: testDefaults()}, "scaler: provider is required"},
		{"no source", LoopConfig{Provider: newTestProvider(t), Defaults: testDefaults()}, "scaler: metrics source is required"},
		{"no actuator", LoopConfig{Provider: newTestProvider(t), Source: scalertest.NewSource(), Defaults: testDefaults()}, "scaler: actuator is required"},
		{"burst window longer than stable", LoopConfig{Provider: newTestProvider(t), Source: scalertest.NewSource(), Actuator: newActuator(t, newTestProvider(t), nil, false),
			Defaults: testDefaults(), BurstWindow: 2 * time.Minute}, "burst window = 2m0s, must be positive and at most the stable window 1m0s"},
		{"bad defaults", LoopConfig{Provider: newTestProvider(t), Source: scalertest.NewSource()}, "default max = 0, must be at least 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLoop(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewLoop error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("metrics registered twice", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		cfg := LoopConfig{Provider: newTestProvider(t), Source: scalertest.NewSource(), Actuator: newActuator(t, newTestProvider(t), nil, false), Defaults: testDefaults(), Registerer: reg}
		if _, err := NewLoop(cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := NewLoop(cfg); err == nil {
			t.Error("second loop on one registry: want a registration error")
		}
	})
}

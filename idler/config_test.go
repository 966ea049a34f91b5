package idler

import (
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{Provider: newTestProvider(t, memory.Options{}), Actuator: newActuator(t, newTestProvider(t, memory.Options{}), false), Source: newFakeSource(time.Now())}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"defaults", func(*Config) {}, ""},
		{"five fields", func(c *Config) { c.Schedule = "*/2 * * * *" }, ""},
		{"missing provider, source and actuator", func(c *Config) { c.Provider, c.Source, c.Actuator = nil, nil, nil },
			"idler: Provider is required\nidler: Source is required\nidler: Actuator is required"},
		{"bad schedule", func(c *Config) { c.Schedule = "@every" }, `idler: idle schedule "@every": `},
		{"negative zero duration", func(c *Config) { c.DefaultZeroDuration = -time.Minute }, "idler: default zero duration -1m0s must be positive"},
		{"negative back-off", func(c *Config) { c.RefusedBackoff = -time.Second }, "idler: refused back-off -1s must not be negative"},
		{"empty namespace", func(c *Config) { c.Namespaces = []string{"a", " "} }, "idler: empty namespace in Namespaces"},
		{"invalid label defaults", func(c *Config) { c.Defaults = scaler.DefaultDefaults(); c.Defaults.Min = 9; c.Defaults.Max = 2 }, "idler: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := New(c); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v, want prefix %q", err, tc.want)
			}
			if _, err := New(c); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

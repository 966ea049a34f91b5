package idler

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{Provider: newFakeProvider(), Source: newFakeSource(time.Now())}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"defaults", func(*Config) {}, ""},
		{"five fields", func(c *Config) { c.Schedule = "*/2 * * * *" }, ""},
		{"missing provider and source", func(c *Config) { c.Provider, c.Source = nil, nil }, "idler: Provider is required\nidler: Source is required"},
		{"bad schedule", func(c *Config) { c.Schedule = "@every" }, `idler: idle schedule "@every": `},
		{"negative zero duration", func(c *Config) { c.DefaultZeroDuration = -time.Minute }, "idler: default zero duration -1m0s must be positive"},
		{"negative back-off", func(c *Config) { c.RefusedBackoff = -time.Second }, "idler: refused back-off -1s must not be negative"},
		{"empty namespace", func(c *Config) { c.Namespaces = []string{"a", " "} }, "idler: empty namespace in Namespaces"},
		{"negative concurrency", func(c *Config) { c.ScaleConcurrency = -1 }, "idler: scale concurrency -1 must not be negative"},
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

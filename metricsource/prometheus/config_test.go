package prometheus

import (
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	valid := DefaultConfig()
	valid.URL = "http://127.0.0.1:9090"
	cases := []struct {
		name   string
		modify func(*Config)
		want   string // "" = valid
	}{
		{"defaults with a url", func(*Config) {}, ""},
		{"https with path", func(c *Config) { c.URL = "https://prom.example/prometheus" }, ""},
		{"no url", func(c *Config) { c.URL = "" }, "prometheus url is required"},
		{"url without scheme", func(c *Config) { c.URL = "prometheus:9090" }, `prometheus url "prometheus:9090": want http(s)://host[:port]`},
		{"url without host", func(c *Config) { c.URL = "http://" }, `prometheus url "http://": want http(s)://host[:port]`},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, "prometheus timeout must be > 0, got 0s"},
		{"zero started timeout", func(c *Config) { c.StartedTimeout = 0 }, "prometheus started timeout must be > 0, got 0s"},
		{"negative started timeout", func(c *Config) { c.StartedTimeout = -time.Second }, "prometheus started timeout must be > 0, got -1s"},
		{"no selector", func(c *Config) { c.CoverageSelector = "" }, "prometheus coverage selector is required"},
		{"tiny gap", func(c *Config) { c.MaxScrapeGap = 500 * time.Millisecond }, "prometheus max scrape gap must be from 1s to 1h0m0s, got 500ms"},
		{"no namespace", func(c *Config) { c.DefaultNamespace = "" }, "prometheus default namespace is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := valid
			c.modify(&cfg)
			err := cfg.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if _, nerr := New(cfg); (nerr == nil) != (c.want == "") {
				t.Fatalf("New err = %v, Validate err = %v: must agree", nerr, err)
			}
		})
	}
}

package footprint

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
)

// called is how the fleet is called and learned (FOOTPRINT_LOAD,
// FOOTPRINT_LEARN_STEP, FOOTPRINT_PROMETHEUS_TIMEOUT,
// FOOTPRINT_SCRAPE_INTERVAL; see settings).
type called struct {
	load      string        // the gateway's --load; empty: every function idle
	learnStep string        // keep_alive.learn_step; empty: the default
	timeout   string        // prometheus.timeout; empty: the default
	scrape    time.Duration // Prometheus's scrape interval
}

// calledFleet reads the called fleet's settings, refusing a bad value
// naming its variable before anything starts.
func calledFleet(t *testing.T) called {
	c := called{load: os.Getenv("FOOTPRINT_LOAD"), learnStep: os.Getenv("FOOTPRINT_LEARN_STEP"), scrape: 5 * time.Second}
	if c.load != "" {
		if _, err := gatewaysim.ParsePattern(c.load); err != nil {
			t.Fatalf("FOOTPRINT_LOAD=%q: %v", c.load, err)
		}
	}
	if c.learnStep != "" {
		if d, err := time.ParseDuration(c.learnStep); err != nil || d <= 0 {
			t.Fatalf("FOOTPRINT_LEARN_STEP=%q: want a positive Go duration", c.learnStep)
		}
	}
	c.timeout = os.Getenv("FOOTPRINT_PROMETHEUS_TIMEOUT")
	if c.timeout != "" {
		if d, err := time.ParseDuration(c.timeout); err != nil || d <= 0 {
			t.Fatalf("FOOTPRINT_PROMETHEUS_TIMEOUT=%q: want a positive Go duration", c.timeout)
		}
	}
	if v := os.Getenv("FOOTPRINT_SCRAPE_INTERVAL"); v != "" {
		var err error
		if c.scrape, err = time.ParseDuration(v); err != nil || c.scrape < time.Second {
			t.Fatalf("FOOTPRINT_SCRAPE_INTERVAL=%q: want a Go duration of at least 1s", v)
		}
	}
	return c
}

// configFile is the controller's --config holding the settings given
// (empty: none given, the defaults).
func (c called) configFile(t *testing.T) string {
	var y string
	if c.learnStep != "" {
		y += "keep_alive:\n  learn_step: " + c.learnStep + "\n"
	}
	if c.timeout != "" {
		y += "prometheus:\n  timeout: " + c.timeout + "\n"
	}
	if y == "" {
		return ""
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

package footprint

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
)

// called is how the fleet is called and learned (FOOTPRINT_LOAD,
// FOOTPRINT_LEARN_STEP, FOOTPRINT_KEEPALIVE_READ_TIMEOUT,
// FOOTPRINT_PROMETHEUS_TIMEOUT, FOOTPRINT_SCRAPE_INTERVAL; see settings).
type called struct {
	load        string        // the gateway's --load; empty: every function idle
	learnStep   string        // keep_alive.learn_step; empty: the default
	readTimeout string        // keep_alive.read_timeout; empty: the default
	timeout     string        // prometheus.timeout; empty: the default
	scrape      time.Duration // Prometheus's scrape interval
}

// calledFleet reads the called fleet's settings, refusing a bad value
// naming its variable before anything starts.
func calledFleet(t *testing.T) called {
	c, err := parseCalled(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// parseCalled is calledFleet's reading of the environment through getenv,
// so that a test can give it values without setting the process's; the
// error names the variable with the bad value.
func parseCalled(getenv func(string) string) (called, error) {
	c := called{load: getenv("FOOTPRINT_LOAD"), scrape: 5 * time.Second}
	if c.load != "" {
		if _, err := gatewaysim.ParsePattern(c.load); err != nil {
			return called{}, fmt.Errorf("FOOTPRINT_LOAD=%q: %v", c.load, err)
		}
	}
	var err error
	if c.learnStep, err = positiveDuration(getenv, "FOOTPRINT_LEARN_STEP"); err != nil {
		return called{}, err
	}
	if c.readTimeout, err = positiveDuration(getenv, "FOOTPRINT_KEEPALIVE_READ_TIMEOUT"); err != nil {
		return called{}, err
	}
	if c.timeout, err = positiveDuration(getenv, "FOOTPRINT_PROMETHEUS_TIMEOUT"); err != nil {
		return called{}, err
	}
	if v := getenv("FOOTPRINT_SCRAPE_INTERVAL"); v != "" {
		if c.scrape, err = time.ParseDuration(v); err != nil || c.scrape < time.Second {
			return called{}, fmt.Errorf("FOOTPRINT_SCRAPE_INTERVAL=%q: want a Go duration of at least 1s", v)
		}
	}
	return c, nil
}

// positiveDuration is the variable's value ("" when unset), refused unless
// it is a positive Go duration. The text is kept, not the duration: it goes
// into the controller's --config as given.
func positiveDuration(getenv func(string) string, name string) (string, error) {
	v := getenv(name)
	if v == "" {
		return "", nil
	}
	if d, err := time.ParseDuration(v); err != nil || d <= 0 {
		return "", fmt.Errorf("%s=%q: want a positive Go duration", name, v)
	}
	return v, nil
}

// configYAML is the controller's configuration holding the settings given
// ("": none given, the defaults).
func (c called) configYAML() string {
	var y string
	if c.learnStep != "" || c.readTimeout != "" {
		y += "keep_alive:\n" // once: a second would be a duplicate key
	}
	if c.learnStep != "" {
		y += "  learn_step: " + c.learnStep + "\n"
	}
	if c.readTimeout != "" {
		y += "  read_timeout: " + c.readTimeout + "\n"
	}
	if c.timeout != "" {
		y += "prometheus:\n  timeout: " + c.timeout + "\n"
	}
	return y
}

// configFile is the controller's --config holding configYAML (empty: none
// given, the defaults).
func (c called) configFile(t *testing.T) string {
	y := c.configYAML()
	if y == "" {
		return ""
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReloadNamesReadTimeoutRestartOnly: keep_alive.read_timeout is the
// Prometheus source's, built once at start like prometheus.timeout's, so
// a reload that changes it keeps the value in force and names the key,
// rather than reporting a bound it does not apply.
func TestReloadNamesReadTimeoutRestartOnly(t *testing.T) {
	cfg := testConfig()
	src, err := embedded.New(embedded.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := New(cfg, Wiring{Namespaces: []string{ns}}, Deps{Provider: memory.New(clock.Real(), memory.Options{}), Source: src})
	if err != nil {
		t.Fatal(err)
	}
	next := cfg
	next.KeepAlive.ReadTimeout = time.Minute
	restart, err := ctl.Reload(next)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(restart, "keep_alive.read_timeout") {
		t.Errorf("restart-only keys named %v, want keep_alive.read_timeout among them", restart)
	}
	if got := ctl.Config().KeepAlive.ReadTimeout; got != cfg.KeepAlive.ReadTimeout {
		t.Errorf("after the reload keep_alive.read_timeout in force is %s, want %s kept until a restart", got, cfg.KeepAlive.ReadTimeout)
	}
}

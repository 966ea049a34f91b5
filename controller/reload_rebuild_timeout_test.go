package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReloadNamesRebuildTimeoutRestartOnly: keep_alive.rebuild_timeout
// bounds the rebuild Learn runs once at start, like
// keep_alive.rebuild_lookback, so a reload that changes it keeps the value
// in force and names the key, rather than reporting a bound that applies
// to nothing until a restart.
//
// Seen failing without its restartOnly line in Reload: "restart-only keys
// named [], want keep_alive.rebuild_timeout among them".
func TestReloadNamesRebuildTimeoutRestartOnly(t *testing.T) {
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
	next.KeepAlive.RebuildTimeout = 5 * time.Minute
	restart, err := ctl.Reload(next)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(restart, "keep_alive.rebuild_timeout") {
		t.Errorf("restart-only keys named %v, want keep_alive.rebuild_timeout among them", restart)
	}
	if got := ctl.Config().KeepAlive.RebuildTimeout; got != cfg.KeepAlive.RebuildTimeout {
		t.Errorf("after the reload keep_alive.rebuild_timeout in force is %s, want %s kept until a restart", got, cfg.KeepAlive.RebuildTimeout)
	}
}

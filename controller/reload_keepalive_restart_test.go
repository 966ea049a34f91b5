package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReloadNamesKeepAliveBoundsRestartOnly: the keep-alive's bounds that
// are read once at start stay in force on a reload that changes them, and
// the reload names them, rather than reporting a bound that applies to
// nothing until a restart:
//   - keep_alive.read_timeout is the Prometheus source's, built once at
//     start like prometheus.timeout's;
//   - keep_alive.rebuild_timeout bounds the rebuild Learn runs once at
//     start, like keep_alive.rebuild_lookback (seen failing without its
//     restartOnly line in Reload: "restart-only keys named [], want
//     keep_alive.rebuild_timeout among them").
func TestReloadNamesKeepAliveBoundsRestartOnly(t *testing.T) {
	for _, tc := range []struct {
		key string
		set func(*config.Config)
		get func(config.Config) time.Duration
	}{
		{"keep_alive.read_timeout", func(c *config.Config) { c.KeepAlive.ReadTimeout = time.Minute },
			func(c config.Config) time.Duration { return c.KeepAlive.ReadTimeout }},
		{"keep_alive.rebuild_timeout", func(c *config.Config) { c.KeepAlive.RebuildTimeout = 5 * time.Minute },
			func(c config.Config) time.Duration { return c.KeepAlive.RebuildTimeout }},
	} {
		t.Run(tc.key, func(t *testing.T) {
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
			tc.set(&next)
			restart, err := ctl.Reload(next)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(restart, tc.key) {
				t.Errorf("restart-only keys named %v, want %s among them", restart, tc.key)
			}
			if got, want := tc.get(ctl.Config()), tc.get(cfg); got != want {
				t.Errorf("after the reload %s in force is %s, want %s kept until a restart", tc.key, got, want)
			}
		})
	}
}

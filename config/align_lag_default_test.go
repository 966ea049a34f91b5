package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// scaler.interval is documented "at least 100ms" (docs/configuration.md)
// and --interval is a deprecated flag that must keep working ("no
// deployment breaks"). scaler.align_lag, added later with a 500ms default,
// must be below the interval, so every interval in [100ms, 500ms] is now
// refused at start — with an error on a key the operator never set — unless
// align_lag is set too. A configuration that ran before align_lag existed
// stops the controller on upgrade (the same class of break that
// liveness.max_inactivity's validation was changed to avoid).
// When align_lag is not set it is then 0s (the scaler's own ticker).
//
// Seen failing before the fix: both cases refused with
// "scaler.align_lag: must be at least 0s and below scaler.interval 500ms
// (0s: passes on the scaler's own ticker), got 500ms".
func TestShortIntervalWithDefaultAlignLagLoads(t *testing.T) {
	t.Run("deprecated flag --interval=500ms", func(t *testing.T) {
		fs, d := newFlags()
		if err := fs.Parse([]string{"--interval=500ms"}); err != nil {
			t.Fatal(err)
		}
		c, err := LoadWith("", d)
		if err != nil {
			t.Fatalf("--interval=500ms (valid: at least 100ms) is refused:\n%v", err)
		}
		if c.Scaler.Interval != 500*time.Millisecond || c.Scaler.AlignLag >= c.Scaler.Interval {
			t.Errorf("interval %s, align_lag %s", c.Scaler.Interval, c.Scaler.AlignLag)
		}
	})
	t.Run("file scaler.interval: 250ms", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte("scaler:\n  interval: 250ms\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			t.Fatalf("scaler.interval: 250ms (valid: at least 100ms) is refused:\n%v", err)
		}
		if c.Scaler.AlignLag != 0 {
			t.Errorf("interval %s, align_lag %s", c.Scaler.Interval, c.Scaler.AlignLag)
		}
	})
}

// An align_lag the file sets is still checked against the interval.
func TestShortIntervalWithSetAlignLagIsChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("scaler:\n  interval: 250ms\n  align_lag: 300ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil {
		t.Fatal("scaler.align_lag 300ms above scaler.interval 250ms accepted")
	}
}

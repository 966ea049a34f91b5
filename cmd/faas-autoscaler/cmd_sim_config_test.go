package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimConfigTargetProportionReachesTheScaler: `sim --config` is "the
// controller's configuration file, as `run --config` reads it". A file that
// only changes the scaler's defaults.target_proportion (the headroom every
// function without a target-proportion label gets under `run`) must change
// faas-autoscaler's replay: with 0.5 instead of the shipped 0.9 every
// loaded function is sized to almost twice the replicas. The key was
// silently overridden by the simulator's per-function label (always 0.9)
// and the table was byte for byte the shipped configuration's. Found by a
// review helper.
func TestSimConfigTargetProportionReachesTheScaler(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("defaults:\n  target_proportion: 0.5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	table := func(extra ...string) string {
		var out, errb bytes.Buffer
		args := append([]string{"--trace", "synth:bursty@2", "--minutes", "120", "--policies", "faas-autoscaler", "--progress", "never"}, extra...)
		if code := simCmd(args, &out, &errb); code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
		}
		_, tbl, _ := strings.Cut(out.String(), "\n\n") // drop the header with the replay's wall time
		return tbl
	}
	shipped, half := table(), table("--config", cfg)
	if shipped == half {
		t.Errorf("sim --config with defaults.target_proportion: 0.5 (shipped 0.9) changed nothing: the key never reaches the scaler\n%s", shipped)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDefaultsTypeInOtherCaseExits2: `defaults.type: RPS` in the
// --config file passes config validation, so the start fails later, in the
// controller's wiring: exit 1 ("controller stopped", a run-time failure)
// with "scaler: default type ..." and no file:line:col, where the README
// promises exit 2 and the key's position for a bad configuration value.
func TestDefaultsTypeInOtherCaseExits2(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("defaults:\n  type: RPS\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr := runBinary(t, 20*time.Second, "run", "--gateway-url", "http://127.0.0.1:1",
		"--prometheus-url", "http://127.0.0.1:1", "--basic-auth=false", "--webhook-auth", "none",
		"--listen", "127.0.0.1:0", "--duration", "2s", "--config", file)
	if code != 2 || !strings.Contains(stderr, file+":2:9: defaults.type") {
		t.Errorf("defaults.type RPS: exit %d, want 2 naming %s:2:9: defaults.type; stderr:\n%s", code, file, logTail(stderr))
	}
}

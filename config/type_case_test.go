package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A defaults.type that spells a built-in type in another case ("RPS") is
// refused by the scaler ("type names are case-sensitive") but was accepted
// by the configuration's own validation: `run --config` got past "invalid
// configuration" and stopped with exit 1 from the controller's wiring,
// without the key's position, and a SIGHUP reload was refused with a
// message naming neither. Load refuses it at the key's line:col (found by a
// review helper; TestDefaultsRulesMatchScaler now holds "RPS" and "Step").
func TestDefaultsTypeInOtherCaseRefusedByLoad(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("defaults:\n  type: RPS\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(file)
	if err == nil {
		t.Fatalf("Load accepted defaults.type RPS (Defaults.Type=%q); scaler.Defaults.Validate refuses it: %v",
			c.Defaults.Type, c.Defaults.Scaler().Validate())
	}
	if want := file + `:2:9: defaults.type: type names are case-sensitive: write "rps"`; !strings.Contains(err.Error(), want) {
		t.Errorf("Load error %q does not name %q", err, want)
	}
}

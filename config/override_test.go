package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoadOverNotingNamesTheFileKeysAFlagBeats: the keys the file sets that
// a given deprecated flag overrides are named, with the file's position, in
// key order; a flag over a key the file does not set hides nothing, and
// neither does the old empty --prometheus-coverage-selector (it keeps the
// file's selector). cmd's TestFileKeyOverriddenByAFlagIsNamed saw the
// silence this fixes: a reload of an overridden key said "configuration
// reloaded".
func TestLoadOverNotingNamesTheFileKeysAFlagBeats(t *testing.T) {
	fs, d := newFlags()
	if err := fs.Parse([]string{"--interval", "9s", "--default-max", "30", "--tolerance", "0.2",
		"--prometheus-coverage-selector="}); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "scaler:\n  interval: 7s\ndefaults:\n  max: 10\nprometheus:\n  coverage_selector: up\n")
	for range 2 { // start, then a reload
		c, overridden, err := LoadOverNoting(Default(), path, d)
		if err != nil {
			t.Fatal(err)
		}
		want := []Override{
			{Key: "defaults.max", Flag: "default-max", At: path + ":4:8"},
			{Key: "scaler.interval", Flag: "interval", At: path + ":2:13"},
		}
		if diff := cmp.Diff(want, overridden); diff != "" {
			t.Errorf("overridden (-want +got):\n%s", diff)
		}
		if c.Defaults.Max != 30 || c.Scaler.Interval.String() != "9s" || c.Prometheus.CoverageSelector != "up" {
			t.Errorf("max %d, interval %s, selector %q: want the flags' 30 and 9s and the file's up",
				c.Defaults.Max, c.Scaler.Interval, c.Prometheus.CoverageSelector)
		}
	}
	// Without a file, or on a refused one, nothing is overridden.
	if _, overridden, err := LoadOverNoting(Default(), "", d); err != nil || overridden != nil {
		t.Errorf("no file: overridden %v, err %v; want none, nil", overridden, err)
	}
	bad := writeFile(t, "scaler:\n  interval: 7s\nactuator:\n  workers: 0\n")
	if _, overridden, err := LoadOverNoting(Default(), bad, d); err == nil || overridden != nil {
		t.Errorf("refused file: overridden %v, err %v; want none and the error", overridden, err)
	}
}

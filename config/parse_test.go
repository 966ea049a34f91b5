package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"unknown nested key",
			"scaler:\n  intervall: 5s\n",
			"c.yaml:2:3: scaler.intervall: unknown key; valid keys in scaler: enabled, interval, stable_window, burst_window, history_size, align_lag"},
		{"unknown section",
			"scalar:\n  interval: 5s\n",
			"c.yaml:1:1: scalar: unknown key; valid keys at the top level: scaler, defaults, idler, keep_alive, actuator, prometheus, server, liveness"},
		{"string for a bool",
			"idler:\n  enabled: yes\n",
			`c.yaml:2:12: idler.enabled: "yes" is not a bool: want true or false`},
		{"mapping for a scalar",
			"defaults:\n  max: {a: 1}\n",
			"c.yaml:2:8: defaults.max: a mapping is not a whole number of at least 0"},
		{"list for a string",
			"defaults:\n  type: [rps]\n",
			"c.yaml:2:9: defaults.type: a list is not a string: want text (quote it if it looks like another type)"},
		{"number for a string",
			"idler:\n  schedule: 5\n",
			`c.yaml:2:13: idler.schedule: "5" is not a string: want text (quote it if it looks like another type)`},
		{"negative uint",
			"defaults:\n  min: -1\n",
			`c.yaml:2:8: defaults.min: "-1" is negative: want a whole number of at least 0`},
		{"float for an int",
			"actuator:\n  workers: 2.5\n",
			`c.yaml:2:12: actuator.workers: "2.5" is not a whole number`},
		{"integer duration",
			"scaler:\n  interval: 5\n",
			`c.yaml:2:13: scaler.interval: "5" is not a duration: want a Go duration such as 5s`},
		{"quoted integer duration",
			"scaler:\n  interval: \"5\"\n",
			`c.yaml:2:13: scaler.interval: "5" is not a duration: want a Go duration such as 5s`},
		{"empty value",
			"scaler:\n  interval:\n",
			"c.yaml:2:12: scaler.interval: an empty value is not a duration: want a Go duration such as 5s"},
		{"string for a float",
			"defaults:\n  target: fifty\n",
			`c.yaml:2:11: defaults.target: "fifty" is not a number`},
		{"scalar for a section",
			"scaler: 5s\n",
			`c.yaml:1:9: scaler: "5s" is not a section: want a mapping of keys (enabled, interval, stable_window, burst_window, history_size, align_lag)`},
		{"duplicate key",
			"scaler:\n  interval: 5s\n  interval: 6s\n",
			"c.yaml:3:3: scaler.interval: duplicate key (first at 2:3)"},
		{"duplicate section",
			"scaler: {}\nidler: {}\nscaler: {}\n",
			"c.yaml:3:1: scaler: duplicate key (first at 1:1)"},
		{"two documents",
			"scaler: {}\n---\nidler: {}\n",
			"c.yaml:2:1: a second YAML document: want exactly one"},
		{"document is a list",
			"- a\n",
			"c.yaml:1:1: the document is a list: want a mapping of sections (scaler, defaults, idler, keep_alive, actuator, prometheus, server, liveness)"},
		{"syntax error",
			"scaler:\n  interval: [5s\n",
			"c.yaml: YAML syntax: line 1: did not find expected ',' or ']'"},
		{"every error, in file order",
			"scaler:\n  interval: 5\n  nope: 1\ndefaults:\n  min: -2\n  exact_ce: 1\nextra: 1\n",
			`c.yaml:2:13: scaler.interval: "5" is not a duration: want a Go duration such as 5s` + "\n" +
				"c.yaml:3:3: scaler.nope: unknown key; valid keys in scaler: enabled, interval, stable_window, burst_window, history_size, align_lag\n" +
				`c.yaml:5:8: defaults.min: "-2" is negative: want a whole number of at least 0` + "\n" +
				`c.yaml:6:13: defaults.exact_ce: "1" is not a bool: want true or false` + "\n" +
				"c.yaml:7:1: extra: unknown key; valid keys at the top level: scaler, defaults, idler, keep_alive, actuator, prometheus, server, liveness"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("c.yaml", []byte(tc.file))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tc.file)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tc.want)
			}
			if diff := cmp.Diff(Default(), c); diff != "" {
				t.Errorf("a refused file returned a non-default Config:\n%s", diff)
			}
		})
	}
}

// Present keys win, zero included; absent keys keep their defaults.
func TestExplicitZeroStaysZero(t *testing.T) {
	file := "keep_alive:\n  prewarm_share: 0\n  rebuild_lookback: 0s\n" +
		"scaler:\n  history_size: 0\n  enabled: false\n" +
		"defaults:\n  tolerance: 0\n  down_window: 0s\n  min: 0\n  step_dedup: 0s\n"
	c, err := Load(writeFile(t, file))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.KeepAlive.PreWarmShare = 0
	want.KeepAlive.RebuildLookback = 0
	want.Scaler.HistorySize = 0
	want.Scaler.Enabled = false
	want.Defaults.Tolerance = 0
	want.Defaults.DownWindow = 0
	want.Defaults.Min = 0
	want.Defaults.StepDedup = 0
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestEmptyFilesAreDefault(t *testing.T) {
	for _, file := range []string{"", "\n", "# only a comment\n\n# another\n", "---\n", "scaler:\n  # interval: 1s\n", "scaler: {}\n"} {
		c, err := Parse("c.yaml", []byte(file))
		if err != nil {
			t.Errorf("Parse(%q): %v", file, err)
		}
		if diff := cmp.Diff(Default(), c); diff != "" {
			t.Errorf("Parse(%q) is not Default():\n%s", file, diff)
		}
	}
}

// YAML's own conveniences that are still the right type are accepted.
func TestParseAccepts(t *testing.T) {
	c, err := Parse("c.yaml", []byte(
		"defaults:\n  max: 0x10\n  target: 7\n  scale_up_pods: 1_000\n  type: !!str step\n"+
			"  zero_duration: &z 30m\nidler:\n  refused_backoff: *z\n"+
			"scaler:\n  interval: '250ms'\n  burst_window: \"5s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Defaults.Max != 16 || c.Defaults.Target != 7 || c.Defaults.ScaleUpPods != 1000 || c.Defaults.Type != "step" ||
		c.Scaler.Interval != 250*time.Millisecond || c.Scaler.BurstWindow != 5*time.Second ||
		c.Idler.RefusedBackoff != 30*time.Minute {
		t.Errorf("got %+v", c)
	}
}

func TestLoadReportsRangeErrorsAtTheKey(t *testing.T) {
	path := writeFile(t, "scaler:\n  interval: 50ms\ndefaults:\n  min: 8\n  max: 2\nkeep_alive:\n  prewarm_share: 1.5\n")
	_, err := Load(path)
	want := path + ":2:13: scaler.interval: must be at least 100ms, got 50ms\n" +
		path + ":4:8: defaults.min: must not be above defaults.max 2, got 8\n" +
		path + ":7:18: keep_alive.prewarm_share: must be in [0, 1], got 1.5"
	if err == nil || err.Error() != want {
		t.Errorf("Load error:\n%v\nwant:\n%s", err, want)
	}

	// A default that is bad only together with the file has no position.
	path = writeFile(t, "defaults:\n  min: 30\n")
	_, err = Load(path)
	want = path + ":2:8: defaults.min: must not be above defaults.max 20, got 30"
	if err == nil || err.Error() != want {
		t.Errorf("Load error:\n%v\nwant:\n%s", err, want)
	}
	path = writeFile(t, "scaler:\n  stable_window: 5s\n")
	_, err = Load(path)
	want = "scaler.burst_window: must be in [1s, scaler.stable_window 5s], got 10s"
	if err == nil || err.Error() != want {
		t.Errorf("Load error:\n%v\nwant:\n%s", err, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// FuzzParse: Parse never panics; a Config it returns validates or yields an
// error, never a panic; and it survives Marshal then Parse unchanged.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(exampleFile); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"", "---\n", "scaler:\n  interval: 5\n", "scaler: {interval: 1s, interval: 2s}\n",
		"defaults:\n  min: -1\n  max: 0x10\n  target: .nan\n",
		"a: &x {b: *x}\n", "keep_alive:\n  prewarm_share: 0\n---\nx: 1\n",
		"prometheus:\n  coverage_selector: '{job=~\".*\"}'\n", "idler:\n  schedule: '*/5 * * * *'\n",
		"defaults: &d\n  min: 2\nscaler: *d\n", "<<: {scaler: {}}\n",
		"defaults:\n  target: 3.141592653589793\n  tolerance: 1e-300\n", "scaler:\n  history_size: [1]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if diff := cmp.Diff(Default(), c, cmpopts.EquateNaNs()); diff != "" {
				t.Fatalf("a refused file returned a non-default Config:\n%s", diff)
			}
			return
		}
		_ = c.Validate()
		out, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("marshal.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(c)): %v\n%s", err, out)
		}
		if diff := cmp.Diff(c, back, cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("Parse(Marshal(c)) differs:\n%s", diff)
		}
	})
}

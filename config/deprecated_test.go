package config

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// oldFlags are the tuning flags `faas-autoscaler run` had, by name: the
// deployments that use them must keep working, and the environment
// variables are bound to these names.
var oldFlags = map[string]string{
	"interval": "scaler.interval", "stable-window": "scaler.stable_window", "burst-window": "scaler.burst_window",
	"horizontal-scaling": "scaler.enabled",
	"default-min":        "defaults.min", "default-max": "defaults.max", "default-factor": "defaults.factor",
	"default-type": "defaults.type", "default-target": "defaults.target",
	"default-target-proportion": "defaults.target_proportion", "default-zero-duration": "defaults.zero_duration",
	"default-down-window": "defaults.down_window", "burst-threshold": "defaults.burst_threshold",
	"tolerance": "defaults.tolerance", "scale-up-rate": "defaults.scale_up_rate", "scale-up-pods": "defaults.scale_up_pods",
	"scale-down-rate": "defaults.scale_down_rate", "step-dedup": "defaults.step_dedup", "exact-ce": "defaults.exact_ce",
	"idler": "idler.enabled", "idle-schedule": "idler.schedule", "maintain-min": "idler.maintain_min",
	"idle-refused-backoff": "idler.refused_backoff", "idle-scale-concurrency": "actuator.workers",
	"keepalive-cold-start-worth": "keep_alive.cold_start_worth", "keepalive-prewarm-share": "keep_alive.prewarm_share",
	"prewarm-interval": "keep_alive.prewarm_interval", "keepalive-rebuild-lookback": "keep_alive.rebuild_lookback",
	"prometheus-coverage-selector": "prometheus.coverage_selector",
	"prometheus-max-scrape-gap":    "prometheus.max_scrape_gap", "prometheus-timeout": "prometheus.timeout",
}

func newFlags() (*flag.FlagSet, *Deprecated) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	def := Default()
	return fs, BindDeprecated(fs, &def)
}

func TestDeprecatedFlagsAreTheOldOnes(t *testing.T) {
	fs, d := newFlags()
	if diff := cmp.Diff(oldFlags, d.Keys()); diff != "" {
		t.Errorf("Keys() (-want +got):\n%s", diff)
	}
	def := Default()
	for name, key := range oldFlags {
		f := fs.Lookup(name)
		if f == nil {
			t.Errorf("--%s is not registered", name)
			continue
		}
		if want := "DEPRECATED: set " + key + " in --config; "; !strings.HasPrefix(f.Usage, want) {
			t.Errorf("--%s usage %q, want prefix %q", name, f.Usage, want)
		}
		// The default shown is the key's default.
		shown := fieldByPath(&def, key)
		if got, _ := Parse("d.yaml", []byte(strings.ReplaceAll(key, ".", ":\n  ")+": "+yamlValue(f.DefValue, shown.Interface()))); fieldByPath(&got, key).Interface() != shown.Interface() {
			t.Errorf("--%s shows default %q, want the key's default %v", name, f.DefValue, shown)
		}
	}
}

// yamlValue spells a flag's text as a YAML value of the key's type.
func yamlValue(s string, typ any) string {
	switch typ.(type) {
	case string, time.Duration:
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}

// A deprecated flag has exactly the effect of its key in a file, and warns
// once, naming the key.
func TestDeprecatedFlagEqualsKey(t *testing.T) {
	byKey := map[string]leaf{}
	for _, l := range allLeaves() {
		byKey[l.path] = l
	}
	for name, key := range oldFlags {
		t.Run(name, func(t *testing.T) {
			want := Default()
			value := changed(t, &want, byKey[key])
			fromFile, err := Parse("f.yaml", []byte(strings.ReplaceAll(key, ".", ":\n  ")+": "+yamlValue(value, fieldByPath(&want, key).Interface())))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, fromFile); diff != "" {
				t.Fatalf("the key in a file (-want +got):\n%s", diff)
			}

			fs, d := newFlags()
			if err := fs.Parse([]string{"--" + name + "=" + value}); err != nil {
				t.Fatal(err)
			}
			got := Default()
			if err := d.Apply(&got); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if diff := cmp.Diff(fromFile, got); diff != "" {
				t.Errorf("flag vs key (-file +flag):\n%s", diff)
			}
			wantWarn := []string{"flag --" + name + " is deprecated: set " + key + " in the --config file"}
			if diff := cmp.Diff(wantWarn, d.Warnings()); diff != "" {
				t.Errorf("Warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoFlagsNoWarningsNoChange(t *testing.T) {
	fs, d := newFlags()
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.Scaler.Interval = 7 * time.Second // as if from a file
	want := c
	if err := d.Apply(&c); err != nil {
		t.Fatal(err)
	}
	if c != want {
		t.Errorf("Apply without flags changed the config: %+v", c)
	}
	if w := d.Warnings(); len(w) != 0 {
		t.Errorf("Warnings without flags: %q", w)
	}
}

// A flag beats the file, on load and on every reload; a flag set from the
// environment (fs.Set, as cmd binds variables) counts as set.
func TestFlagBeatsFile(t *testing.T) {
	fs, d := newFlags()
	// --interval twice: the last wins and it still warns once.
	if err := fs.Parse([]string{"--interval", "8s", "--interval", "9s", "--keepalive-prewarm-share", "0"}); err != nil {
		t.Fatal(err)
	}
	if err := fs.Set("default-max", "30"); err != nil { // from the environment
		t.Fatal(err)
	}
	path := writeFile(t, "scaler:\n  interval: 7s\n  stable_window: 2m\ndefaults:\n  max: 10\n")
	for range 2 { // start, then a reload
		c, err := LoadWith(path, d)
		if err != nil {
			t.Fatal(err)
		}
		want := Default()
		want.Scaler.Interval = 9 * time.Second
		want.Scaler.StableWindow = 2 * time.Minute
		want.Defaults.Max = 30
		want.KeepAlive.PreWarmShare = 0
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("LoadWith (-want +got):\n%s", diff)
		}
	}
	want := []string{
		"flag --default-max is deprecated: set defaults.max in the --config file",
		"flag --interval is deprecated: set scaler.interval in the --config file",
		"flag --keepalive-prewarm-share is deprecated: set keep_alive.prewarm_share in the --config file",
	}
	if diff := cmp.Diff(want, d.Warnings()); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
}

// A bad value names where it came from: the flag, or file:line:col.
func TestLoadWithNamesTheSource(t *testing.T) {
	fs, d := newFlags()
	if err := fs.Parse([]string{"--default-min", "50"}); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "defaults:\n  max: 10\nactuator:\n  workers: 0\n")
	_, err := LoadWith(path, d)
	want := "flag --default-min: defaults.min: must not be above defaults.max 10, got 50\n" +
		path + ":4:12: actuator.workers: must be in [1, 1024], got 0"
	if err == nil || err.Error() != want {
		t.Errorf("LoadWith:\n%v\nwant:\n%s", err, want)
	}
	c := Default()
	err = d.Apply(&c)
	want = "flag --default-min: defaults.min: must not be above defaults.max 20, got 50"
	if err == nil || err.Error() != want {
		t.Errorf("Apply:\n%v\nwant:\n%s", err, want)
	}
}

// The old --prometheus-coverage-selector "" meant the metrics source's
// default; it still does.
func TestEmptyCoverageSelectorFlagKeepsTheKey(t *testing.T) {
	fs, d := newFlags()
	if err := fs.Parse([]string{"--prometheus-coverage-selector="}); err != nil {
		t.Fatal(err)
	}
	c := Default()
	if err := d.Apply(&c); err != nil {
		t.Fatal(err)
	}
	if c.Prometheus.CoverageSelector != Default().Prometheus.CoverageSelector {
		t.Errorf("selector = %q", c.Prometheus.CoverageSelector)
	}
	if len(d.Warnings()) != 1 {
		t.Errorf("Warnings = %q, want one", d.Warnings())
	}
}

func TestLoadWithoutFileIsDefaultPlusFlags(t *testing.T) {
	fs, d := newFlags()
	if err := fs.Parse([]string{"--idler=false"}); err != nil {
		t.Fatal(err)
	}
	c, err := LoadWith("", d)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Idler.Enabled = false
	if c != want {
		t.Errorf("LoadWith(\"\") = %+v", c)
	}
	if !slices.Equal(d.Warnings(), []string{"flag --idler is deprecated: set idler.enabled in the --config file"}) {
		t.Errorf("Warnings = %q", d.Warnings())
	}
}

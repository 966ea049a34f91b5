package config

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// deprecatedFlags are the tuning flags `faas-autoscaler run` had before the
// configuration file, each with the key that replaces it. They keep working
// (no deployment breaks) and warn once.
var deprecatedFlags = []struct{ flag, key, usage string }{
	{"horizontal-scaling", "scaler.enabled", "run the scaler; false leaves only scale to zero (as OpenFaaS Pro's flag)"},
	{"interval", "scaler.interval", "how often every function is evaluated; alerts trigger evaluations in between"},
	{"stable-window", "scaler.stable_window", "window of the load the scaler targets"},
	{"burst-window", "scaler.burst_window", "short window that detects bursts"},
	{"default-min", "defaults.min", "com.openfaas.scale.min when a function has none"},
	{"default-max", "defaults.max", "com.openfaas.scale.max when a function has none"},
	{"default-factor", "defaults.factor", "com.openfaas.scale.factor (step mode, % of max) when a function has none"},
	{"default-type", "defaults.type", "com.openfaas.scale.type when a function has none: rps, capacity, cpu, queue, step or a custom load"},
	{"default-target", "defaults.target", "com.openfaas.scale.target (load per replica) when a function has none"},
	{"default-target-proportion", "defaults.target_proportion", "com.openfaas.scale.target-proportion when a function has none"},
	{"default-zero-duration", "defaults.zero_duration", "com.openfaas.scale.zero-duration when a function has none"},
	{"default-down-window", "defaults.down_window", "com.openfaas.scale.down.window (scale-down stabilisation) when a function has none"},
	{"burst-threshold", "defaults.burst_threshold", "burst-window load over this multiple of ready capacity scales up at once"},
	{"tolerance", "defaults.tolerance", "no change while load is within this fraction of capacity"},
	{"scale-up-rate", "defaults.scale_up_rate", "one evaluation scales up to at most max(current × rate, current + --scale-up-pods)"},
	{"scale-up-pods", "defaults.scale_up_pods", "see --scale-up-rate"},
	{"scale-down-rate", "defaults.scale_down_rate", "one evaluation keeps at least this share of current replicas"},
	{"step-dedup", "defaults.step_dedup", "step mode: a repeat of the same firing alert within this long adds no step"},
	{"exact-ce", "defaults.exact_ce", "step mode reproduces the OpenFaaS CE gateway exactly (cap 5, resolved → min)"},
	{"idler", "idler.enabled", "run the idler (scale to zero for functions with com.openfaas.scale.zero=true)"},
	{"idle-schedule", "idler.schedule", "cron schedule of idler cycles (robfig/cron: @every 30s, or five fields)"},
	{"maintain-min", "idler.maintain_min", "restore functions found at zero without the zero opt-in to their min"},
	{"idle-refused-backoff", "idler.refused_backoff", "leave a function alone this long after its provider refused zero replicas (OpenFaaS CE)"},
	{"idle-scale-concurrency", "actuator.workers", "provider scale calls made at once (it bounded the idler alone; it now bounds every component's calls)"},
	{"keepalive-cold-start-worth", "keep_alive.cold_start_worth", "zero-duration auto: idle replica time one avoided cold start is worth"},
	{"keepalive-prewarm-share", "keep_alive.prewarm_share", "zero-duration auto: at most this share of functions pre-warmed at once"},
	{"prewarm-interval", "keep_alive.prewarm_interval", "zero-duration auto: how often due pre-warms are started"},
	{"keepalive-rebuild-lookback", "keep_alive.rebuild_lookback", "zero-duration auto: Prometheus history replayed at start to relearn idle times (0 = none)"},
	{"prometheus-coverage-selector", "prometheus.coverage_selector", "PromQL selector of the gateway's scrape target, proving Prometheus saw the whole idle window (empty: the default)"},
	{"prometheus-max-scrape-gap", "prometheus.max_scrape_gap", "longest gap between gateway scrapes that still counts as continuous observation (a few scrape intervals)"},
	{"prometheus-timeout", "prometheus.timeout", "bound on each metrics query"},
}

// Deprecated holds the old tuning flags of `faas-autoscaler run`. The flags
// write into a private Config, not into the one in use, so that a reload
// can lay them over a freshly loaded file again: a flag that was given
// always beats the file.
type Deprecated struct {
	fs   *flag.FlagSet
	vals Config
	keys map[string]string // flag name → key path
	// env names the environment variable a flag's value came from (flag
	// name → variable; SetFromEnv), so that an error names what was set.
	env map[string]string
}

// SetFromEnv says that the flag's value came from the environment variable
// env, not the command line: an error about its value then names the
// variable (it named a flag the operator never typed: a review's finding).
func (d *Deprecated) SetFromEnv(flagName, env string) {
	if d.env == nil {
		d.env = map[string]string{}
	}
	d.env[flagName] = env
}

// source is where the flag's value came from, for messages.
func (d *Deprecated) source(flagName string) string {
	if d != nil {
		if env, ok := d.env[flagName]; ok {
			return "environment variable " + env + " (for --" + flagName + ")"
		}
	}
	return "flag --" + flagName
}

// BindDeprecated registers the old tuning flags on fs with their old names
// and types, c's values shown as their defaults (c is not written; pass
// Default() to show the shipped values; nil is Default()), and usage text
// that says which key replaces each. Parse fs as usual (flags set from the
// environment with fs.Set count as set), then call Apply or LoadWith.
func BindDeprecated(fs *flag.FlagSet, c *Config) *Deprecated {
	shown := Default()
	if c != nil {
		shown = *c
	}
	d := &Deprecated{fs: fs, vals: shown, keys: map[string]string{}}
	for _, f := range deprecatedFlags {
		d.keys[f.flag] = f.key
		usage := fmt.Sprintf("DEPRECATED: set %s in --config; %s", f.key, f.usage)
		switch p := fieldByPath(&d.vals, f.key).Addr().Interface().(type) {
		case *time.Duration:
			fs.DurationVar(p, f.flag, *p, usage)
		case *bool:
			fs.BoolVar(p, f.flag, *p, usage)
		case *string:
			fs.StringVar(p, f.flag, *p, usage)
		case *int:
			fs.Var(intFlag{p}, f.flag, usage)
		case *uint64:
			fs.Var(uintFlag{p}, f.flag, usage)
		case *float64:
			fs.Float64Var(p, f.flag, *p, usage)
		default:
			panic(fmt.Sprintf("config: no flag type for %s (%T)", f.key, p)) // programming error, caught by tests
		}
	}
	return d
}

// Apply writes the value of every deprecated flag that was set onto c, then
// validates c; a problem with a value from a flag names the flag. It is
// LoadWith's flag step alone, for a Config built in code: a file's keys go
// through LoadWith (or LoadOverNoting), which knows which keys the file set
// — an unset scaler.align_lag is taken as 0s beside a short scaler.interval
// there, and Apply cannot tell unset from set (a review found the two
// disagreeing on a loaded file).
func (d *Deprecated) Apply(c *Config) error {
	fromFlag := d.apply(c)
	return render(c.problems(), func(key string) string {
		if f, ok := fromFlag[key]; ok {
			return "flag --" + f
		}
		return ""
	})
}

// apply writes the set flags' values onto c and returns key → flag name for
// the keys it wrote. A nil d writes nothing.
func (d *Deprecated) apply(c *Config) map[string]string {
	written := map[string]string{}
	if d == nil {
		return written
	}
	for _, name := range d.set() {
		key := d.keys[name]
		src := fieldByPath(&d.vals, key)
		if key == "prometheus.coverage_selector" && src.String() == "" {
			// The old flag's empty value meant "the metrics source's
			// default", which is the key's default: keep what c has.
			continue
		}
		fieldByPath(c, key).Set(src)
		written[key] = name
	}
	return written
}

// set lists the deprecated flags given on the command line or from the
// environment, in name order.
func (d *Deprecated) set() []string {
	var names []string
	if d == nil || d.fs == nil {
		return nil
	}
	d.fs.Visit(func(f *flag.Flag) {
		if _, ok := d.keys[f.Name]; ok {
			names = append(names, f.Name)
		}
	})
	return names
}

// Warnings returns one message per deprecated flag that was set, naming the
// key that replaces it, in flag name order.
func (d *Deprecated) Warnings() []string {
	var ws []string
	for _, name := range d.set() {
		ws = append(ws, fmt.Sprintf("%s is deprecated: set %s in the --config file", d.source(name), d.keys[name]))
	}
	return ws
}

// Sources maps each key a given deprecated flag sets to where its value
// came from ("flag --interval", or "environment variable scale_interval
// (for --interval)").
func (d *Deprecated) Sources() map[string]string {
	out := map[string]string{}
	for _, name := range d.set() {
		out[d.keys[name]] = d.source(name)
	}
	return out
}

// Keys maps each deprecated flag's name to the key path that replaces it.
func (d *Deprecated) Keys() map[string]string {
	if d == nil {
		return nil
	}
	return maps.Clone(d.keys)
}

// fieldByPath is the field of *c at a key path such as "scaler.interval".
// The paths are this package's own, so a miss is a programming error.
func fieldByPath(c *Config, key string) reflect.Value {
	v := reflect.ValueOf(c).Elem()
	for part := range strings.SplitSeq(key, ".") {
		f, ok := fieldByTag(v, part)
		if !ok {
			panic("config: no key " + key) // programming error, caught by tests
		}
		v = f
	}
	return v
}

// intFlag and uintFlag are the flag package's int and uint64 flags (base
// prefixes such as 0x accepted, as before) refusing a leading zero, as the
// file does (leadingZero): flag.IntVar reads --default-max=010 as octal 8.
type intFlag struct{ p *int }

func (f intFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.Itoa(*f.p)
}

func (f intFlag) Set(s string) error {
	if leadingZero.MatchString(s) {
		return errLeadingZero
	}
	v, err := strconv.ParseInt(s, 0, strconv.IntSize)
	if err != nil {
		return errors.New("not a whole number")
	}
	*f.p = int(v)
	return nil
}

type uintFlag struct{ p *uint64 }

func (f uintFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatUint(*f.p, 10)
}

func (f uintFlag) Set(s string) error {
	if leadingZero.MatchString(s) {
		return errLeadingZero
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return errors.New("not a whole number of at least 0")
	}
	*f.p = v
	return nil
}

var errLeadingZero = errors.New("a leading zero: write the number in plain decimal without it (it would be read as octal)")

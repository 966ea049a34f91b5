package config

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateMessages(t *testing.T) {
	for _, tc := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.Scaler.Interval = 99 * time.Millisecond }, "scaler.interval: must be at least 100ms, got 99ms"},
		{func(c *Config) { c.Scaler.StableWindow = 999 * time.Millisecond; c.Scaler.BurstWindow = time.Second },
			"scaler.stable_window: must be at least 1s, got 999ms\nscaler.burst_window: must be in [1s, scaler.stable_window 999ms], got 1s"},
		{func(c *Config) { c.Scaler.BurstWindow = 61 * time.Second }, "scaler.burst_window: must be in [1s, scaler.stable_window 1m], got 1m1s"},
		{func(c *Config) { c.Scaler.BurstWindow = 0 }, "scaler.burst_window: must be in [1s, scaler.stable_window 1m], got 0s"},
		{func(c *Config) { c.Scaler.HistorySize = -1 }, "scaler.history_size: must be at least 0, got -1"},
		{func(c *Config) { c.Defaults.Max = 0; c.Defaults.Min = 0 }, "defaults.max: must be at least 1, got 0"},
		{func(c *Config) { c.Defaults.Min = 21 }, "defaults.min: must not be above defaults.max 20, got 21"},
		{func(c *Config) { c.Defaults.Factor = 0 }, "defaults.factor: must be in [1, 100] (percent of max), got 0"},
		{func(c *Config) { c.Defaults.Factor = 101 }, "defaults.factor: must be in [1, 100] (percent of max), got 101"},
		{func(c *Config) { c.Defaults.Type = "r-p-s" }, `defaults.type: must match [a-zA-Z_][a-zA-Z0-9_]* (rps, capacity, cpu, queue, step or a custom load), got "r-p-s"`},
		{func(c *Config) { c.Defaults.Target = 0 }, "defaults.target: must be a finite number above 0, got 0"},
		{func(c *Config) { c.Defaults.Target = math.Inf(1) }, "defaults.target: must be a finite number above 0, got +Inf"},
		{func(c *Config) { c.Defaults.TargetProportion = 1.01 }, "defaults.target_proportion: must be in (0, 1], got 1.01"},
		{func(c *Config) { c.Defaults.TargetProportion = math.NaN() }, "defaults.target_proportion: must be in (0, 1], got NaN"},
		{func(c *Config) { c.Defaults.ZeroDuration = 0 }, "defaults.zero_duration: must be at least 1s (the metrics sources' shortest activity window), got 0s"},
		{func(c *Config) { c.Defaults.ZeroDuration = 999 * time.Millisecond }, "defaults.zero_duration: must be at least 1s (the metrics sources' shortest activity window), got 999ms"},
		{func(c *Config) { c.Defaults.DownWindow = time.Hour + time.Second }, "defaults.down_window: must be in [0s, 1h], got 1h0m1s"},
		{func(c *Config) { c.Defaults.DownWindow = -time.Second }, "defaults.down_window: must be in [0s, 1h], got -1s"},
		{func(c *Config) { c.Defaults.BurstThreshold = 0.99 }, "defaults.burst_threshold: must be a finite number of at least 1, got 0.99"},
		{func(c *Config) { c.Defaults.Tolerance = 1 }, "defaults.tolerance: must be in [0, 1), got 1"},
		{func(c *Config) { c.Defaults.Tolerance = -0.1 }, "defaults.tolerance: must be in [0, 1), got -0.1"},
		{func(c *Config) { c.Defaults.ScaleUpRate = math.Inf(1) }, "defaults.scale_up_rate: must be a finite number of at least 1, got +Inf"},
		{func(c *Config) { c.Defaults.ScaleDownRate = 0 }, "defaults.scale_down_rate: must be in (0, 1], got 0"},
		{func(c *Config) { c.Defaults.StepDedup = -time.Second }, "defaults.step_dedup: must be at least 0s, got -1s"},
		{func(c *Config) { c.Idler.Schedule = "" }, `idler.schedule: "" is not a schedule: empty cron expression (want @every 30s or five cron fields)`},
		{func(c *Config) { c.Idler.Schedule = "every 30s" }, `idler.schedule: "every 30s" is not a schedule: `},
		{func(c *Config) { c.Idler.RefusedBackoff = 0 }, "idler.refused_backoff: must be above 0s, got 0s"},
		{func(c *Config) { c.KeepAlive.ColdStartWorth = -time.Minute }, "keep_alive.cold_start_worth: must be above 0s, got -1m"},
		{func(c *Config) { c.KeepAlive.PreWarmShare = 1.5 }, "keep_alive.prewarm_share: must be in [0, 1], got 1.5"},
		{func(c *Config) { c.KeepAlive.PreWarmInterval = 999 * time.Millisecond }, "keep_alive.prewarm_interval: must be at least 1s, got 999ms"},
		{func(c *Config) { c.KeepAlive.RebuildLookback = -time.Hour }, "keep_alive.rebuild_lookback: must be at least 0s, got -1h"},
		{func(c *Config) { c.KeepAlive.RebuildTimeout = 0 }, "keep_alive.rebuild_timeout: must be above 0s, got 0s"},
		{func(c *Config) { c.KeepAlive.RebuildTimeout = -time.Second }, "keep_alive.rebuild_timeout: must be above 0s, got -1s"},
		{func(c *Config) { c.KeepAlive.ReadTimeout = 0 }, "keep_alive.read_timeout: must be above 0s, got 0s"},
		{func(c *Config) { c.KeepAlive.ReadTimeout = -time.Second }, "keep_alive.read_timeout: must be above 0s, got -1s"},
		{func(c *Config) { c.Actuator.Workers = 0 }, "actuator.workers: must be in [1, 1024], got 0"},
		{func(c *Config) { c.Actuator.Workers = 1025 }, "actuator.workers: must be in [1, 1024], got 1025"},
		{func(c *Config) { c.Actuator.CallTimeout = 0 }, "actuator.call_timeout: must be above 0s, got 0s"},
		{func(c *Config) { c.Actuator.BackoffInitial = 0 }, "actuator.backoff_initial: must be above 0s, got 0s"},
		{func(c *Config) { c.Actuator.BackoffMax = 999 * time.Millisecond }, "actuator.backoff_max: must be at least actuator.backoff_initial 1s, got 999ms"},
		{func(c *Config) { c.Actuator.RefusedBackoff = 0 }, "actuator.refused_backoff: must be above 0s, got 0s"},
		{func(c *Config) { c.Prometheus.CoverageSelector = "" }, `prometheus.coverage_selector: must not be empty: want a series selector such as up{job="gateway"}`},
		{func(c *Config) { c.Prometheus.CoverageSelector = `up{job="gateway"` }, `prometheus.coverage_selector: "up{job=\"gateway\"" is not a series selector: at offset 16: want , or } after a matcher`},
		{func(c *Config) { c.Prometheus.MaxScrapeGap = 0 }, "prometheus.max_scrape_gap: must be at least 1s, got 0s"},
		{func(c *Config) { c.Prometheus.MaxScrapeGap = 500 * time.Millisecond }, "prometheus.max_scrape_gap: must be at least 1s, got 500ms"},
		{func(c *Config) { c.Prometheus.Timeout = -time.Second }, "prometheus.timeout: must be above 0s, got -1s"},
		{func(c *Config) { c.Liveness.MaxInactivity = -time.Second }, "liveness.max_inactivity: must be 0s (off) or above, got -1s"},
	} {
		c := Default()
		tc.set(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("Validate accepted a config that should fail with %q", tc.want)
			continue
		}
		// A want ending in ": " is a prefix: the cron parser's own words
		// follow.
		if got := err.Error(); got != tc.want && !(strings.HasSuffix(tc.want, ": ") && strings.HasPrefix(got, tc.want)) {
			t.Errorf("Validate:\n%s\nwant:\n%s", got, tc.want)
		}
	}
}

// liveness.max_inactivity: 0 is off; no scaler interval or idler schedule
// makes a value invalid. The scaler's check waits at least two intervals
// whatever the value (controller liveness), and the idler's counts from
// when a cycle is due, so a daily cron schedule, @every 1h or a scaler
// interval of 10m or more (valid configurations before the key existed:
// refused, an upgrade stopped a controller that ran) keep the default
// valid.
func TestMaxInactivityAccepts(t *testing.T) {
	for name, set := range map[string]func(*Config){
		"off":                       func(c *Config) { c.Liveness.MaxInactivity = 0 },
		"just above interval":       func(c *Config) { c.Liveness.MaxInactivity = c.Scaler.Interval + time.Millisecond },
		"at the interval":           func(c *Config) { c.Liveness.MaxInactivity = c.Scaler.Interval },
		"scaler every 10m":          func(c *Config) { c.Scaler.Interval = 10 * time.Minute },
		"scaler every 15m":          func(c *Config) { c.Scaler.Interval = 15 * time.Minute },
		"scaler off, long interval": func(c *Config) { c.Scaler.Enabled = false; c.Scaler.Interval = time.Hour },
		"idler every hour":          func(c *Config) { c.Idler.Schedule = "@every 1h" },
		"idler daily":               func(c *Config) { c.Idler.Schedule = "0 3 * * *" },
	} {
		c := Default()
		set(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
	}
}

// actuator.workers' upper bound is inclusive: 1024 workers start.
func TestActuatorWorkersAtTheBound(t *testing.T) {
	c := Default()
	c.Actuator.Workers = 1024
	if err := c.Validate(); err != nil {
		t.Errorf("actuator.workers 1024 refused: %v", err)
	}
}

// Validate reports every problem, not the first.
func TestValidateReportsEveryProblem(t *testing.T) {
	c := Default()
	c.Scaler.Interval = 0
	c.Actuator.Workers = 0
	c.Prometheus.Timeout = 0
	err := c.Validate()
	if err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("want three problems, got:\n%v", err)
	}
}

// The defaults' rules are scaler.Defaults.Validate's, with config key names:
// the two must agree on every value, so a rule added in one place and not
// the other fails here.
func TestDefaultsRulesMatchScaler(t *testing.T) {
	values := map[string][]any{
		"Min": {uint64(0), uint64(1), uint64(20), uint64(21)}, "Max": {uint64(0), uint64(1), uint64(20)},
		"Factor": {uint64(0), uint64(1), uint64(100), uint64(101)}, "Type": {"rps", "", "1x", "a-b", "_x9", "RPS", "Step"},
		"Target":           {0.0, -1.0, 1e-9, 50.0, math.Inf(1), math.NaN()},
		"TargetProportion": {0.0, 0.5, 1.0, 1.0001, math.NaN()},
		"ZeroDuration":     {time.Duration(0), time.Nanosecond, -time.Second, 999 * time.Millisecond, time.Second},
		"DownWindow":       {time.Duration(0), time.Hour, time.Hour + 1, time.Duration(-1)},
		"BurstThreshold":   {0.999, 1.0, math.Inf(1), math.NaN()},
		"Tolerance":        {0.0, 0.999, 1.0, -0.0001, math.NaN()},
		"ScaleUpRate":      {0.5, 1.0, math.Inf(1), math.NaN()},
		"ScaleDownRate":    {0.0, 0.01, 1.0, 1.01, math.NaN()},
		"StepDedup":        {time.Duration(0), time.Duration(-1), time.Second},
		"ScaleUpPods":      {uint64(0), uint64(1 << 60)},
		"ExactCE":          {true, false},
	}
	for i := range reflect.TypeFor[Defaults]().NumField() {
		if name := reflect.TypeFor[Defaults]().Field(i).Name; values[name] == nil {
			t.Errorf("no test values for Defaults.%s: add them", name)
		}
	}
	for field, vs := range values {
		for _, v := range vs {
			c := Default()
			setField(t, &c.Defaults, field, v)
			var ours []string
			for _, p := range c.problems() {
				if strings.HasPrefix(p.key, "defaults.") {
					ours = append(ours, p.key)
				}
			}
			theirs := c.Defaults.Scaler().Validate()
			if (len(ours) == 0) != (theirs == nil) {
				t.Errorf("defaults %s = %v: config reports %v, scaler reports %v", field, v, ours, theirs)
			}
		}
	}
}

func setField(t *testing.T, d *Defaults, field string, v any) {
	t.Helper()
	f := reflect.ValueOf(d).Elem().FieldByName(field)
	if !f.IsValid() {
		t.Fatalf("Defaults has no field %s", field)
	}
	f.Set(reflect.ValueOf(v))
}

// Every field of Defaults is in the table above and converts to and from
// scaler.Defaults without loss.
func TestDefaultsConvertEveryField(t *testing.T) {
	dt, st := reflect.TypeFor[Defaults](), reflect.TypeFor[scaler.Defaults]()
	if dt.NumField() != st.NumField() {
		t.Errorf("config.Defaults has %d fields, scaler.Defaults %d", dt.NumField(), st.NumField())
	}
	c := Default()
	for _, l := range allLeaves() {
		if strings.HasPrefix(l.path, "defaults.") {
			changed(t, &c, l)
		}
	}
	if back := FromScaler(c.Defaults.Scaler()); back != c.Defaults {
		t.Errorf("FromScaler(d.Scaler()) = %+v, want %+v", back, c.Defaults)
	}
}

func TestCheckSelector(t *testing.T) {
	for _, ok := range []string{
		`up`, `up{}`, `up{job="gateway"}`, `up{job=~"gateway|openfaas-pods|openfaas-gateway"}`,
		`{job="gateway"}`, `{job!=""}`, `{job=~".+"}`, `{job!~".*"}`, ` up { job = 'gate\'way' , instance !~ ` + "`10\\..*`" + ` , } `,
		`gateway:requests:rate5m`, `{"my.metric"}`, `{"my.metric", "label.x"="v"}`, `{__name__="up"}`,
	} {
		if err := checkSelector(ok); err != nil {
			t.Errorf("checkSelector(%q) = %v, want ok", ok, err)
		}
	}
	for sel, want := range map[string]string{
		`up{job="gateway"`:        "at offset 16: want , or } after a matcher",
		`up{job=gateway}`:         "at offset 7: want a quoted string",
		`up{job=="x"}`:            "at offset 7: want a quoted string",
		`up{job~"x"}`:             "at offset 6: want =, !=, =~ or !~ after job",
		`up{job="x}`:              "at offset 7: unterminated string",
		`up{job=~"("}`:            "regular expression \"(\": error parsing regexp: missing closing ): `(`",
		`up[5m]`:                  "at offset 2: unexpected text",
		`rate(up[5m])`:            "at offset 4: unexpected text",
		`{}`:                      `without a metric name it needs a matcher that does not match the empty string, e.g. job="gateway"`,
		`{job=~".*"}`:             `without a metric name it needs a matcher that does not match the empty string, e.g. job="gateway"`,
		`{job=""}`:                `without a metric name it needs a matcher that does not match the empty string, e.g. job="gateway"`,
		`9up`:                     "at offset 0: unexpected text",
		`up{,}`:                   "at offset 3: want a label name",
		`up{job="\q"}`:            `string "\q": invalid syntax`,
		`up offset 5m`:            "at offset 3: unexpected text",
		`up{job="a"} or down{}`:   "at offset 12: unexpected text",
		`up{job="a"}{job="b"}`:    "at offset 11: unexpected text",
		`up{1job="a"}`:            "at offset 3: want a label name",
		`up{job="a" instance=""}`: "at offset 11: want , or } after a matcher",
		// Prometheus: "metric name must not be set twice".
		`up{"x"}`:               `metric name "up" given twice: also inside the braces`,
		`up{job="a", "x"}`:      `metric name "up" given twice: also inside the braces`,
		`up{__name__="up"}`:     `metric name "up" given twice: also inside the braces`,
		`up{"__name__"=~"u.*"}`: `metric name "up" given twice: also inside the braces`,
	} {
		err := checkSelector(sel)
		if err == nil || err.Error() != want {
			t.Errorf("checkSelector(%q) = %v, want %s", sel, err, want)
		}
	}
}

package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// problem is one invalid value: the key it is reported at and what is wrong.
type problem struct{ key, msg string }

// Validate reports every invalid value in c, one per line, each as
// "key.path: what is wrong, got value". It checks ranges and relations
// between keys (defaults.min ≤ defaults.max, scaler.burst_window ≤
// scaler.stable_window); Parse has already checked the types.
func (c Config) Validate() error { return render(c.problems(), nil) }

// render turns problems into one error; origin, when it knows where a key's
// value came from (a file position, a flag), prefixes the message with it.
func render(ps []problem, origin func(key string) string) error {
	errs := make([]error, 0, len(ps))
	for _, p := range ps {
		prefix := ""
		if origin != nil {
			if o := origin(p.key); o != "" {
				prefix = o + ": "
			}
		}
		errs = append(errs, fmt.Errorf("%s%s: %s", prefix, p.key, p.msg))
	}
	return errors.Join(errs...)
}

// maxScalerInterval bounds scaler.interval.
const maxScalerInterval = 24 * time.Hour

// maxScrapeGap bounds prometheus.max_scrape_gap (as the Prometheus source's
// MaxMaxScrapeGap does): three of it must not wrap.
const maxScrapeGap = time.Hour

// typeName is the grammar of a scaling type (scaler's label grammar: a
// Prometheus label value usable in a rule name).
var typeName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (c Config) problems() []problem {
	var ps []problem
	bad := func(key, format string, a ...any) {
		ps = append(ps, problem{key, fmt.Sprintf(format, a...)})
	}
	d := func(key string, v, lo time.Duration) {
		if v < lo {
			bad(key, "must be at least %s, got %s", formatDuration(lo), formatDuration(v))
		}
	}
	positive := func(key string, v time.Duration) {
		if v <= 0 {
			bad(key, "must be above 0s, got %s", formatDuration(v))
		}
	}
	finiteAtLeast1 := func(key string, v float64) {
		if !(v >= 1) || math.IsInf(v, 0) {
			bad(key, "must be a finite number of at least 1, got %v", v)
		}
	}

	s := c.Scaler
	// At most a day: the liveness check waits twice the interval, which
	// overflowed past 146 years (a duration Go parses).
	d("scaler.interval", s.Interval, 100*time.Millisecond)
	if s.Interval > maxScalerInterval {
		bad("scaler.interval", "must be at most %s, got %s", formatDuration(maxScalerInterval), formatDuration(s.Interval))
	}
	d("scaler.stable_window", s.StableWindow, time.Second)
	if s.BurstWindow < time.Second || s.BurstWindow > s.StableWindow {
		bad("scaler.burst_window", "must be in [1s, scaler.stable_window %s], got %s",
			formatDuration(s.StableWindow), formatDuration(s.BurstWindow))
	}
	if s.HistorySize < 0 {
		bad("scaler.history_size", "must be at least 0, got %d", s.HistorySize)
	}
	if s.AlignLag < 0 || (s.AlignLag >= s.Interval && s.Interval >= 100*time.Millisecond) {
		bad("scaler.align_lag", "must be at least 0s and below scaler.interval %s (0s: passes on the scaler's own ticker), got %s",
			formatDuration(s.Interval), formatDuration(s.AlignLag))
	}

	// The same rules as scaler.Defaults.Validate (a test holds the two
	// equal), with the configuration's key names.
	df := c.Defaults
	if df.Max < 1 {
		bad("defaults.max", "must be at least 1, got %d", df.Max)
	}
	if df.Min > df.Max {
		bad("defaults.min", "must not be above defaults.max %d, got %d", df.Max, df.Min)
	}
	if df.Factor < 1 || df.Factor > 100 {
		bad("defaults.factor", "must be in [1, 100] (percent of max), got %d", df.Factor)
	}
	if !typeName.MatchString(df.Type) {
		bad("defaults.type", "must match [a-zA-Z_][a-zA-Z0-9_]* (rps, capacity, cpu, queue, step or a custom load), got %q", df.Type)
	} else if b := scaler.BuiltinInOtherCase(df.Type); b != "" {
		bad("defaults.type", "type names are case-sensitive: write %q, got %q", b, df.Type)
	}
	if !(df.Target > 0) || math.IsInf(df.Target, 0) {
		bad("defaults.target", "must be a finite number above 0, got %v", df.Target)
	}
	if !(df.TargetProportion > 0 && df.TargetProportion <= 1) {
		bad("defaults.target_proportion", "must be in (0, 1], got %v", df.TargetProportion)
	} else if df.Target > 0 && !(df.Target*df.TargetProportion > 0) {
		// Each in range, the product underflowing (5e-324 × 0.4): every
		// function without a target label would fail its parse, unscaled
		// and never idled (scaler.Spec's check).
		bad("defaults.target", "× defaults.target_proportion (%g × %g) is 0: too small to size replicas by", df.Target, df.TargetProportion)
	}
	// At least scaler.MinZeroDuration (1s), not just above 0: no metrics
	// source reads activity over a shorter window, so a shorter default
	// would leave every opted-in function without its own label never idled,
	// with no start-up error. One message for 0s and 500ms alike.
	if df.ZeroDuration < scaler.MinZeroDuration {
		bad("defaults.zero_duration", "must be at least %s (the metrics sources' shortest activity window), got %s",
			formatDuration(scaler.MinZeroDuration), formatDuration(df.ZeroDuration))
	}
	if df.DownWindow < 0 || df.DownWindow > scaler.MaxDownWindow {
		bad("defaults.down_window", "must be in [0s, %s], got %s", formatDuration(scaler.MaxDownWindow), formatDuration(df.DownWindow))
	}
	finiteAtLeast1("defaults.burst_threshold", df.BurstThreshold)
	if !(df.Tolerance >= 0 && df.Tolerance < 1) {
		bad("defaults.tolerance", "must be in [0, 1), got %v", df.Tolerance)
	}
	finiteAtLeast1("defaults.scale_up_rate", df.ScaleUpRate)
	// Each is valid alone; together, max(current × 1, current + 0) is
	// current: no function would ever scale up outside burst mode, each
	// pass "rate limited" at its current size.
	if df.ScaleUpRate == 1 && df.ScaleUpPods == 0 {
		bad("defaults.scale_up_pods", "must be at least 1 while defaults.scale_up_rate is 1 "+
			"(one evaluation scales up to at most max(current × 1, current + 0): no scale-up at all outside bursts), got 0")
	}
	if !(df.ScaleDownRate > 0 && df.ScaleDownRate <= 1) {
		bad("defaults.scale_down_rate", "must be in (0, 1], got %v", df.ScaleDownRate)
	}
	d("defaults.step_dedup", df.StepDedup, 0)

	if _, err := idler.ParseRunSchedule(c.Idler.Schedule); err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // the idler's wrapping repeats the value
		}
		bad("idler.schedule", "%q is not a schedule: %v (want @every 30s or five cron fields)", c.Idler.Schedule, err)
	}
	positive("idler.refused_backoff", c.Idler.RefusedBackoff)

	k := c.KeepAlive
	positive("keep_alive.cold_start_worth", k.ColdStartWorth)
	if !(k.PreWarmShare >= 0 && k.PreWarmShare <= 1) {
		bad("keep_alive.prewarm_share", "must be in [0, 1], got %v", k.PreWarmShare)
	}
	d("keep_alive.prewarm_interval", k.PreWarmInterval, time.Second)
	d("keep_alive.rebuild_lookback", k.RebuildLookback, 0)
	positive("keep_alive.rebuild_timeout", k.RebuildTimeout)
	d("keep_alive.learn_step", k.LearnStep, time.Second)
	if k.LearnStep > time.Minute {
		bad("keep_alive.learn_step", "must be at most 1m (the rebuild's resolution), got %s", formatDuration(k.LearnStep))
	}
	positive("keep_alive.read_timeout", k.ReadTimeout)

	a := c.Actuator
	// Bounded above too: the actuator starts one goroutine per worker
	// before it serves, so a huge count (1000000000) wedged the process;
	// actuator.MaxWorkers says why 1024 is plenty.
	if a.Workers < 1 || a.Workers > actuator.MaxWorkers {
		bad("actuator.workers", "must be in [1, %d], got %d", actuator.MaxWorkers, a.Workers)
	}
	positive("actuator.call_timeout", a.CallTimeout)
	positive("actuator.backoff_initial", a.BackoffInitial)
	if a.BackoffMax < a.BackoffInitial {
		bad("actuator.backoff_max", "must be at least actuator.backoff_initial %s, got %s",
			formatDuration(a.BackoffInitial), formatDuration(a.BackoffMax))
	}
	positive("actuator.refused_backoff", a.RefusedBackoff)

	p := c.Prometheus
	if p.CoverageSelector == "" {
		bad("prometheus.coverage_selector", "must not be empty: want a series selector such as up{job=\"gateway\"}")
	} else if err := checkSelector(p.CoverageSelector); err != nil {
		bad("prometheus.coverage_selector", "%q is not a series selector: %v", p.CoverageSelector, err)
	}
	// At least 1s, not just above 0: the Prometheus source queries whole
	// seconds and refuses a shorter gap when it is wired, which used to
	// stop the start with exit 1 blaming --prometheus-url. Refused here, the
	// message names the key and its file position, on every provider (the
	// same file may later run against Prometheus).
	d("prometheus.max_scrape_gap", p.MaxScrapeGap, time.Second)
	// At most an hour: three of it is the shortest covered window while the
	// scrape interval is unknown, which wrapped negative past ~854,000h (a
	// review's finding); a gap past Prometheus' 5m lookback loses the
	// gateway's series long before that.
	if p.MaxScrapeGap > maxScrapeGap {
		bad("prometheus.max_scrape_gap", "must be at most %s, got %s", formatDuration(maxScrapeGap), formatDuration(p.MaxScrapeGap))
	}
	positive("prometheus.timeout", p.Timeout)
	c.Server.problems(bad)

	// Not bounded by the scaler's interval or the idler's schedule: the
	// scaler's check waits at least two intervals whatever the value
	// (controller liveness), and the idler's counts from when a cycle is
	// due. Refusing a value not above the interval refused configurations
	// that ran before the key existed (a scaler interval of 10m or more):
	// an upgrade stopped the controller.
	if mi := c.Liveness.MaxInactivity; mi < 0 {
		bad("liveness.max_inactivity", "must be 0s (off) or above, got %s", formatDuration(mi))
	}
	return ps
}

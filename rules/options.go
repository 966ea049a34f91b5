package rules

import (
	"slices"
	"time"
)

// Built-in scaling types, with the names OpenFaaS uses in
// com.openfaas.scale.type.
const (
	TypeRPS      = "rps"
	TypeCapacity = "capacity"
	TypeCPU      = "cpu"
	TypeQueue    = "queue"
)

// BuiltinTypes lists the scaling types this package has recording rules for,
// in the order they are rendered.
var BuiltinTypes = []string{TypeRPS, TypeCapacity, TypeCPU, TypeQueue}

// Output formats.
const (
	// FormatRuleFile is a plain Prometheus rule file (rule_files:).
	FormatRuleFile = "prometheus"
	// FormatPrometheusRule is a monitoring.coreos.com/v1 PrometheusRule custom
	// resource for prometheus-operator.
	FormatPrometheusRule = "prometheusrule"
)

// Formats lists the accepted output formats.
var Formats = []string{FormatRuleFile, FormatPrometheusRule}

// CustomType is a user-defined scaling type: a PromQL expression giving one
// series per function_name, recorded as job:function_current_load:sum with
// scaling_type=Name, the record name the controller reads custom loads from.
type CustomType struct {
	Name string
	Expr string
}

// Options shape the generated rules. Start from Defaults or ForScrapeInterval,
// change fields, then call Validate (Generate validates too).
type Options struct {
	// ScrapeInterval is how often Prometheus scrapes the gateway. It is not
	// written into the rules; windows are checked against it.
	ScrapeInterval time.Duration
	// EvaluationInterval is the rule groups' interval.
	EvaluationInterval time.Duration
	// Window is the range of rate() and max_over_time() over gateway metrics.
	// rate() needs two samples inside it, so it spans at least three
	// scrapes (minWindowScrapes: at two, scrape jitter leaves it one at
	// times); four is the usual choice (Grafana's $__rate_interval).
	Window time.Duration
	// CPUWindow is the rate() range over pod CPU counters, which the kubelet
	// exposes less often (10–15 s) than the gateway.
	CPUWindow time.Duration
	// Types selects the built-in scaling types to record (a subset of
	// BuiltinTypes).
	Types []string
	// Custom adds user-defined scaling types.
	Custom []CustomType
	// Tolerance is the relative band around the target: scale-up alerts fire
	// above target×replicas×(1+Tolerance), scale-down alerts below
	// target×(replicas−1)×(1−Tolerance). In [0, 1).
	Tolerance float64
	// ScaleUpFor and ScaleDownFor are the alerts' `for`. Scale-up fires at once
	// by default: the controller re-checks with fresh data anyway.
	ScaleUpFor   time.Duration
	ScaleDownFor time.Duration
	// KeepFiringFor holds a resolved scale-up alert firing a little longer
	// (Prometheus ≥ 2.42), damping fire/resolve flapping. 0 omits it.
	KeepFiringFor time.Duration
	// ScaleDownAlerts enables the "notably less load" alert.
	ScaleDownAlerts bool
	// CECompatible adds OpenFaaS CE's APIHighInvocationRate rule verbatim for
	// users migrating from CE; at a scrape interval over CE's 5 s its 10 s
	// rate() range, which would hold one sample, becomes Window.
	CECompatible bool
	// HealthAlerts adds GroupHealth, the alerts about the controller itself
	// (down, no leader, provider and metrics-source failures, refused
	// webhook deliveries), for the people who run it.
	HealthAlerts bool
	// ControllerJob is the scrape job of the controller's own /metrics,
	// which the health alerts select (job="<ControllerJob>").
	ControllerJob string
	// Format is FormatRuleFile or FormatPrometheusRule.
	Format string
	// Name, Namespace and Labels are the PrometheusRule's metadata (Labels
	// usually carry what the operator's ruleSelector matches).
	Name      string
	Namespace string
	Labels    map[string]string
}

// DefaultScrapeInterval is the gateway scrape interval the defaults suit
// (OpenFaaS's chart scrapes its pods every 5 s).
const DefaultScrapeInterval = 5 * time.Second

// Defaults returns the options for a 5 s scrape.
func Defaults() Options { return ForScrapeInterval(DefaultScrapeInterval) }

// ForScrapeInterval returns defaults scaled to a scrape interval: windows
// span four scrapes (CPU at least 1m, rounded up to a multiple of the
// scrape), and rules are evaluated five times a scrape in whole seconds, at
// least every second (EvaluationFor). `rules -h` states the same rules.
//
//	scrape  eval  window  cpu-window
//	1s      1s    4s      1m
//	5s      1s    20s     1m
//	7s      1s    28s     1m3s
//	15s     3s    1m      1m
func ForScrapeInterval(scrape time.Duration) Options {
	cpu := time.Minute
	if 4*scrape > cpu {
		cpu = 4 * scrape
	}
	if scrape >= time.Second && cpu%scrape != 0 {
		// A window must be a multiple of the scrape interval (Validate):
		// at 8 s the minute was refused, and with it the defaults.
		cpu += scrape - cpu%scrape
	}
	return Options{
		ScrapeInterval:     scrape,
		EvaluationInterval: EvaluationFor(scrape),
		Window:             4 * scrape,
		CPUWindow:          cpu,
		Types:              slices.Clone(BuiltinTypes),
		Tolerance:          0.1,
		ScaleUpFor:         0,
		ScaleDownFor:       30 * time.Second,
		ScaleDownAlerts:    true,
		HealthAlerts:       true,
		ControllerJob:      DefaultControllerJob,
		Format:             FormatRuleFile,
		Name:               "faas-autoscaler",
	}
}

// EvaluationFor is the rule evaluation interval for a scrape interval: a
// fifth of it in whole seconds, at least 1 s. Prometheus evaluates a group
// at a fixed offset of its interval and scrapes a target at another, so a
// fresh sample waits for the next evaluation: up to one whole scrape
// interval when the group is evaluated once a scrape (5 s at the chart's
// 5 s scrape, half the time between a load step and the first scale call).
// Evaluating five times a scrape bounds that wait at a fifth of it, for
// five evaluations of a few cheap rules per scrape.
func EvaluationFor(scrape time.Duration) time.Duration {
	return max((scrape / 5).Truncate(time.Second), time.Second)
}

package rules

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
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
	// rate() needs two samples inside it, so it is at least twice the scrape
	// interval; four times is the usual choice (Grafana's $__rate_interval).
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
// span four scrapes (CPU at least 1m), and rules are evaluated five times a
// scrape, at least every second (EvaluationFor).
//
//	scrape  eval  window  cpu-window
//	1s      1s    4s      1m
//	5s      1s    20s     1m
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

// customNameRE is what a scaling type must look like to be a safe label
// value and a metric name part: the controller's own pattern for
// com.openfaas.scale.type (scaler/spec.go), so every type a function may
// name has its rule (a stricter one refused latencyP99, which the
// controller accepts). TestCustomTypeNamesMatchTheController keeps them
// equal.
var customNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// typeStep is the controller's step mode (scaler.TypeStep): not a load a
// custom record may carry. Its record would join the target gauge every
// step function exports with scaling_type="step", and the load alerts
// would fire for step functions, which step up on any firing alert.
const typeStep = "step"

// k8sNameRE is a DNS-1123 subdomain, what Kubernetes accepts as metadata.name.
var k8sNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// Validate reports every option that would produce rules Prometheus rejects
// or that cannot work, one message per problem.
func (o Options) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if o.ScrapeInterval < time.Second {
		add("scrape interval %s: must be at least 1s", o.ScrapeInterval)
	}
	if o.EvaluationInterval < time.Second {
		add("evaluation interval %s: must be at least 1s", o.EvaluationInterval)
	}
	if o.EvaluationInterval%time.Second != 0 {
		add("evaluation interval %s: must be a whole number of seconds", o.EvaluationInterval)
	}
	checkWindow := func(name string, w time.Duration) {
		switch {
		case w < time.Second:
			add("%s %s: must be at least 1s", name, w)
		case w%time.Second != 0:
			add("%s %s: must be a whole number of seconds", name, w)
		case o.ScrapeInterval >= time.Second && w < 2*o.ScrapeInterval:
			add("%s %s: must span at least two scrapes (2 × %s) or rate() has no data", name, w, o.ScrapeInterval)
		case o.ScrapeInterval >= time.Second && w%o.ScrapeInterval != 0:
			add("%s %s: must be a multiple of the scrape interval %s", name, w, o.ScrapeInterval)
		}
	}
	checkWindow("window", o.Window)
	checkWindow("cpu window", o.CPUWindow)
	if o.Window >= time.Second && o.EvaluationInterval > o.Window {
		add("evaluation interval %s: must not exceed the window %s", o.EvaluationInterval, o.Window)
	}
	// Written as what is accepted, so NaN (every comparison false) is
	// refused: it used to pass and render alerts multiplied by NaN, which
	// never fire.
	if !(o.Tolerance >= 0 && o.Tolerance < 1) {
		add("tolerance %g: must be in [0, 1)", o.Tolerance)
	}
	for name, d := range map[string]time.Duration{"scale-up for": o.ScaleUpFor, "scale-down for": o.ScaleDownFor, "keep firing for": o.KeepFiringFor} {
		if d < 0 {
			add("%s %s: must not be negative", name, d)
		} else if d%time.Second != 0 {
			add("%s %s: must be a whole number of seconds", name, d)
		}
	}
	if len(o.Types) == 0 && len(o.Custom) == 0 {
		add("no scaling types: choose at least one of %s or a custom type", strings.Join(BuiltinTypes, ", "))
	}
	seen := map[string]bool{}
	for _, t := range o.Types {
		if !slices.Contains(BuiltinTypes, t) {
			add("unknown scaling type %q: want one of %s (or declare it as a custom type)", t, strings.Join(BuiltinTypes, ", "))
			continue
		}
		if seen[t] {
			add("scaling type %q: listed twice", t)
		}
		seen[t] = true
	}
	for _, c := range o.Custom {
		switch {
		case !customNameRE.MatchString(c.Name):
			add("custom scaling type %q: name must match %s", c.Name, customNameRE)
		case slices.Contains(BuiltinTypes, c.Name):
			add("custom scaling type %q: is a built-in type", c.Name)
		case c.Name == typeStep:
			add("custom scaling type %q: is the controller's step mode, which has its own alert", c.Name)
		case seen[c.Name]:
			add("scaling type %q: listed twice", c.Name)
		}
		seen[c.Name] = true
		if strings.TrimSpace(c.Expr) == "" {
			add("custom scaling type %q: empty expression", c.Name)
		}
	}
	switch o.Format {
	case FormatRuleFile:
	case FormatPrometheusRule:
		if !k8sNameRE.MatchString(o.Name) {
			add("name %q: not a valid Kubernetes resource name", o.Name)
		}
		if o.Namespace != "" && !k8sNameRE.MatchString(o.Namespace) {
			add("namespace %q: not a valid Kubernetes namespace", o.Namespace)
		}
	default:
		add("unknown format %q: want one of %s", o.Format, strings.Join(Formats, ", "))
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

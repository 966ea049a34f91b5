package rules

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
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

// minWindowScrapes is the fewest scrapes a window may span (Validate).
const minWindowScrapes = 3

// maxWindowScrapes is the most scrapes the gateway window may span
// (Validate): 10 minutes at a 5 s scrape.
const maxWindowScrapes = 120

// k8sNameRE is a DNS-1123 subdomain, what Kubernetes accepts as metadata.name.
var k8sNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// unbalanced says how expr's brackets or quotes do not close ("" when
// they do). Not a PromQL parse (the parser is the whole Prometheus module,
// not a dependency for one check; promtool check rules is the full
// check), but the commonest typo, a bracket left open, made a rule file
// Prometheus refuses whole while the generator exited 0. As PromQL's lexer,
// it skips strings ('…' and "…" with backslash escapes, `…` raw) and
// comments (# to the end of the line, outside a string): a comment's
// apostrophe or bracket ("# it's the p99 (ms)") refused a valid expression.
func unbalanced(expr string) string {
	var open []rune
	closing := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for i := 0; i < len(expr); i++ {
		switch c := rune(expr[i]); c {
		case '#':
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case '"', '\'', '`':
			j := i + 1
			for ; j < len(expr) && rune(expr[j]) != c; j++ {
				if expr[j] == '\\' && c != '`' {
					j++ // an escaped character
				}
			}
			if j >= len(expr) {
				return fmt.Sprintf("has a %c string left open", c)
			}
			i = j
		case '(', '[', '{':
			open = append(open, c)
		case ')', ']', '}':
			if len(open) == 0 || open[len(open)-1] != closing[c] {
				return fmt.Sprintf("closes a %c that is not open", c)
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return fmt.Sprintf("leaves a %c open", open[len(open)-1])
	}
	return ""
}

// k8sLabelRE is a DNS-1123 label, what Kubernetes accepts as a namespace.
var k8sLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// labelNameRE is a label key's name part, and a label value (Kubernetes'
// qualified name rule: alphanumerics at both ends, '-', '_', '.' inside).
var labelNameRE = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)

// k8sLabelProblem says why Kubernetes refuses the label key=value ("" when
// it accepts it): a key is [prefix/]name, the prefix a DNS-1123 subdomain
// of at most 253 characters, the name and the value at most 63 characters
// of labelNameRE (a value may be empty).
func k8sLabelProblem(key, value string) string {
	name := key
	if prefix, n, ok := strings.Cut(key, "/"); ok {
		if prefix == "" || len(prefix) > 253 || !k8sNameRE.MatchString(prefix) {
			return "the key's prefix is not a DNS-1123 subdomain"
		}
		name = n
	}
	if name == "" || len(name) > 63 || !labelNameRE.MatchString(name) {
		return "the key is not a valid Kubernetes label name (alphanumerics, '-', '_', '.', at most 63)"
	}
	if value != "" && (len(value) > 63 || !labelNameRE.MatchString(value)) {
		return "the value is not a valid Kubernetes label value (alphanumerics, '-', '_', '.', at most 63)"
	}
	return ""
}

// An OptionError is one problem Validate found with one option.
type OptionError struct {
	// Field is the Options field at fault ("Window", "Types", …), so a
	// caller can name its own setting for it (a command-line flag).
	Field string
	// Value is the refused value as the message writes it ("5s", `"x"`);
	// empty when the message says what is wrong without one.
	Value string
	// Subject is how the message names the option or the problem
	// ("window", "unknown scaling type").
	Subject string
	// Problem is what is wrong: "must be at least 1s".
	Problem string
}

func (e *OptionError) Error() string {
	if e.Value == "" {
		return e.Subject + ": " + e.Problem
	}
	return e.Subject + " " + e.Value + ": " + e.Problem
}

// ValidationErrors lists the problems in an error Validate (or Generate,
// Render) returned, in the order of its lines; nil for any other error.
func ValidationErrors(err error) []*OptionError {
	var out []*OptionError
	var one *OptionError
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			out = append(out, ValidationErrors(e)...)
		}
	} else if errors.As(err, &one) {
		out = append(out, one)
	}
	return out
}

// maxScrapeInterval bounds the scrape interval (Validate).
const maxScrapeInterval = 5 * time.Minute

// Validate reports every option that would produce rules Prometheus rejects
// or that cannot work, one *OptionError per problem (ValidationErrors lists
// them), sorted by message.
func (o Options) Validate() error {
	var errs []error
	add := func(field, subject, value, format string, a ...any) {
		errs = append(errs, &OptionError{Field: field, Value: value, Subject: subject, Problem: fmt.Sprintf(format, a...)})
	}

	if o.ScrapeInterval < time.Second {
		add("ScrapeInterval", "scrape interval", o.ScrapeInterval.String(), "must be at least 1s")
	}
	// Past Prometheus' default lookback an instant query misses the
	// gateway's series between two scrapes; far past it the windows
	// derived from it overflowed, and the error blamed --window.
	if o.ScrapeInterval > maxScrapeInterval {
		add("ScrapeInterval", "scrape interval", o.ScrapeInterval.String(),
			"must be at most %s: Prometheus' lookback (5m by default) loses the gateway's series between slower scrapes", maxScrapeInterval)
	}
	if o.EvaluationInterval < time.Second {
		add("EvaluationInterval", "evaluation interval", o.EvaluationInterval.String(), "must be at least 1s")
	}
	if o.EvaluationInterval%time.Second != 0 {
		add("EvaluationInterval", "evaluation interval", o.EvaluationInterval.String(), "must be a whole number of seconds")
	}
	checkWindow := func(field, name string, w time.Duration) {
		switch {
		case w < time.Second:
			add(field, name, w.String(), "must be at least 1s")
		case w%time.Second != 0:
			add(field, name, w.String(), "must be a whole number of seconds")
		case o.ScrapeInterval >= time.Second && w < minWindowScrapes*o.ScrapeInterval:
			// rate() needs two samples; a range of exactly two scrapes
			// holds two only when the scrapes fall just so, and with
			// scrape jitter one at times: the load record vanishes and the
			// alerts resolve and fire again.
			add(field, name, w.String(), "must span at least three scrapes (3 × %s): rate() needs two samples, and scrape jitter leaves a window of two scrapes one at times (the alerts flap)", o.ScrapeInterval)
		case o.ScrapeInterval >= time.Second && w%o.ScrapeInterval != 0:
			add(field, name, w.String(), "must be a multiple of the scrape interval %s", o.ScrapeInterval)
		}
	}
	checkWindow("Window", "window", o.Window)
	// The capacity and rps records find a new series' first span with one
	// offset per half scrape interval of the window (promql.FirstSampleSpan):
	// a window of hours rendered expressions of megabytes that Prometheus
	// evaluates at every rule evaluation (`--window 12h` did not finish
	// rendering; a review's finding). A load averaged over more scrapes
	// than this is no scaling signal.
	if o.ScrapeInterval >= time.Second && o.Window > maxWindowScrapes*o.ScrapeInterval {
		add("Window", "window", o.Window.String(),
			"must span at most %d scrapes (%s at the %s scrape interval): the records' expressions grow with the window's scrapes", maxWindowScrapes, maxWindowScrapes*o.ScrapeInterval, o.ScrapeInterval)
	}
	checkWindow("CPUWindow", "cpu window", o.CPUWindow)
	// The CPU counter's samples follow the kubelet's stats (every 10 to
	// KubeletStatsAge), not the scrape: a shorter window than three of them
	// holds two samples only now and then, and the cpu load was never (or
	// rarely) recorded, its functions without a scale alert.
	if slices.Contains(o.Types, "cpu") && o.CPUWindow >= time.Second && o.CPUWindow < minWindowScrapes*KubeletStatsAge {
		add("CPUWindow", "cpu window", o.CPUWindow.String(),
			"must span at least three of the kubelet's stats intervals (3 × %s) with the cpu type: the counter's samples come every 10 to 15 s whatever the scrape interval", KubeletStatsAge)
	}
	// Not the window: the at-zero alert reads the load of the last scrape
	// interval only (what can have come at zero), and evaluated less often
	// than the gateway is scraped it stepped over the intervals between:
	// a call to a function at zero never fired it.
	if o.ScrapeInterval >= time.Second && o.EvaluationInterval > o.ScrapeInterval {
		add("EvaluationInterval", "evaluation interval", o.EvaluationInterval.String(),
			"must not exceed the scrape interval %s: the at-zero alert reads the calls of the last scrape interval, and a longer evaluation steps over some", o.ScrapeInterval)
	}
	// Written as what is accepted, so NaN (every comparison false) is
	// refused: it used to pass and render alerts multiplied by NaN, which
	// never fire.
	if !(o.Tolerance >= 0 && o.Tolerance < 1) {
		add("Tolerance", "tolerance", fmt.Sprintf("%g", o.Tolerance), "must be in [0, 1)")
	}
	for _, f := range []struct {
		field, name string
		d           time.Duration
	}{{"ScaleUpFor", "scale-up for", o.ScaleUpFor}, {"ScaleDownFor", "scale-down for", o.ScaleDownFor}, {"KeepFiringFor", "keep firing for", o.KeepFiringFor}} {
		if f.d < 0 {
			add(f.field, f.name, f.d.String(), "must not be negative")
		} else if f.d%time.Second != 0 {
			add(f.field, f.name, f.d.String(), "must be a whole number of seconds")
		}
	}
	if len(o.Types) == 0 && len(o.Custom) == 0 {
		add("Types", "no scaling types", "", "choose at least one of %s or a custom type", strings.Join(BuiltinTypes, ", "))
	}
	seen := map[string]bool{}
	for _, t := range o.Types {
		if !slices.Contains(BuiltinTypes, t) {
			add("Types", "unknown scaling type", strconv.Quote(t), "want one of %s (or declare it as a custom type)", strings.Join(BuiltinTypes, ", "))
			continue
		}
		if seen[t] {
			add("Types", "scaling type", strconv.Quote(t), "listed twice")
		}
		seen[t] = true
	}
	for _, c := range o.Custom {
		switch {
		case !customNameRE.MatchString(c.Name):
			add("Custom", "custom scaling type", strconv.Quote(c.Name), "name must match %s", customNameRE)
		case slices.Contains(BuiltinTypes, c.Name):
			add("Custom", "custom scaling type", strconv.Quote(c.Name), "is a built-in type")
		case c.Name == typeStep:
			add("Custom", "custom scaling type", strconv.Quote(c.Name), "is the controller's step mode, which has its own alert")
		case scaler.BuiltinInOtherCase(c.Name) != "":
			add("Custom", "custom scaling type", strconv.Quote(c.Name), "is the built-in %q in another case, which the controller refuses as a function's type", scaler.BuiltinInOtherCase(c.Name))
		case seen[c.Name]:
			add("Custom", "scaling type", strconv.Quote(c.Name), "listed twice")
		}
		seen[c.Name] = true
		if strings.TrimSpace(c.Expr) == "" {
			add("Custom", "custom scaling type", strconv.Quote(c.Name), "empty expression")
		} else if why := unbalanced(c.Expr); why != "" {
			add("Custom", "custom scaling type", strconv.Quote(c.Name), "expression %s", why)
		}
	}
	if o.HealthAlerts && o.ControllerJob == "" {
		add("ControllerJob", "controller job", `""`, "must not be empty: the health alerts select the controller's series by it")
	}
	switch o.Format {
	case FormatRuleFile:
	case FormatPrometheusRule:
		if !k8sNameRE.MatchString(o.Name) {
			add("Name", "name", strconv.Quote(o.Name), "not a valid Kubernetes resource name")
		} else if len(o.Name) > 253 {
			// A DNS-1123 subdomain: the API server refuses a longer one.
			add("Name", "name", strconv.Quote(o.Name), "longer than a Kubernetes resource name's 253 characters")
		}
		// A namespace is a DNS-1123 label (no dots, 63 characters), not a
		// subdomain as a name: "openfaas.monitoring" passed here and failed
		// at kubectl apply. So are the labels' keys and values checked as
		// the API server checks them.
		if o.Namespace != "" && (!k8sLabelRE.MatchString(o.Namespace) || len(o.Namespace) > 63) {
			add("Namespace", "namespace", strconv.Quote(o.Namespace), "not a valid Kubernetes namespace")
		}
		for _, k := range slices.Sorted(maps.Keys(o.Labels)) {
			if why := k8sLabelProblem(k, o.Labels[k]); why != "" {
				add("Labels", "label", strconv.Quote(k+"="+o.Labels[k]), "%s", why)
			}
		}
	default:
		add("Format", "unknown format", strconv.Quote(o.Format), "want one of %s", strings.Join(Formats, ", "))
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

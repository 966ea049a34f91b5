// Options.Validate, the bounds it applies, and OptionError, the problems
// it reports.

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

package rules

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/urlport"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// AlertPath is the controller's webhook route, the same as the OpenFaaS
// gateway's, so a CE AlertManager config only changes its URL.
const AlertPath = "/system/alert"

// AlertmanagerOptions shape the receiver and route snippet.
type AlertmanagerOptions struct {
	// ControllerURL is the controller's base URL as AlertManager reaches it;
	// AlertPath is appended.
	ControllerURL string
	// Username and PasswordFile are the webhook's basic auth. The password is
	// read by AlertManager from the file, never written into its config.
	Username     string
	PasswordFile string
	// Receiver names the receiver.
	Receiver string
	// GroupWait, GroupInterval, RepeatInterval: short, because every delay
	// here delays a scale-up (see the reference timings in the README).
	// GroupWait is 0 by default: our route groups by alert and function, so
	// a group holds one function's one alert and there is nothing to batch;
	// a wait would only delay the first scale-up (1 s of the 5 s between a
	// step and the first scale call at a 5 s scrape, docs/benchmarks.md).
	GroupWait      time.Duration
	GroupInterval  time.Duration
	RepeatInterval time.Duration
	// CECompatible also routes OpenFaaS CE's APIHighInvocationRate to the
	// controller.
	CECompatible bool
	// Full renders a complete AlertManager config (a default receiver that
	// drops everything else, plus ours) instead of the snippet.
	Full bool
}

// fullDefaultReceiver is the full config's catch-all receiver.
const fullDefaultReceiver = "default"

// DefaultAlertmanagerOptions suit a controller Service named faas-autoscaler
// in the same namespace, and a 5 s scrape.
func DefaultAlertmanagerOptions() AlertmanagerOptions {
	return AlertmanagerOptions{
		ControllerURL:  "http://faas-autoscaler:8080",
		Username:       "admin",
		PasswordFile:   "/var/secrets/faas-autoscaler/basic-auth-password",
		Receiver:       "faas-autoscaler",
		GroupWait:      0,
		GroupInterval:  5 * time.Second,
		RepeatInterval: 30 * time.Second,
	}
}

// AlertmanagerConfig is the subset of AlertManager's configuration the
// generator writes.
type AlertmanagerConfig struct {
	Route     *Route     `yaml:"route,omitempty"`
	Receivers []Receiver `yaml:"receivers"`
}

// AlertmanagerSnippet is what to merge into an existing config: one child
// route for the top-level route's routes: list, and the receiver.
type AlertmanagerSnippet struct {
	Routes    []Route    `yaml:"routes"`
	Receivers []Receiver `yaml:"receivers"`
}

// Route is an AlertManager route.
type Route struct {
	Receiver       string    `yaml:"receiver"`
	Matchers       []string  `yaml:"matchers,omitempty"`
	GroupBy        []string  `yaml:"group_by,omitempty"`
	GroupWait      *Duration `yaml:"group_wait,omitempty"`
	GroupInterval  *Duration `yaml:"group_interval,omitempty"`
	RepeatInterval *Duration `yaml:"repeat_interval,omitempty"`
	Continue       bool      `yaml:"continue,omitempty"`
	Routes         []Route   `yaml:"routes,omitempty"`
}

// Receiver is an AlertManager receiver with webhook configs.
type Receiver struct {
	Name           string          `yaml:"name"`
	WebhookConfigs []WebhookConfig `yaml:"webhook_configs,omitempty"`
}

// WebhookConfig posts alerts to a URL.
type WebhookConfig struct {
	URL          string     `yaml:"url"`
	SendResolved bool       `yaml:"send_resolved"`
	HTTPConfig   HTTPConfig `yaml:"http_config"`
}

// HTTPConfig holds the webhook's client settings.
type HTTPConfig struct {
	BasicAuth BasicAuth `yaml:"basic_auth"`
}

// BasicAuth reads the password from a file.
type BasicAuth struct {
	Username     string `yaml:"username"`
	PasswordFile string `yaml:"password_file"`
}

// stepDeliveryAllowance is what Validate allows, beside the repeat and the
// group interval, for a repeat of the step alert to reach the controller
// later than the last one did: a slow or retried POST (AlertManager retries
// a 5xx with backoff within the flush) and the controller's handling.
//
// Why the repeat interval is bounded at all: the controller counts the
// generated FunctionStepRateHigh as firing for scaler.StepRuleEvidence (1m)
// after each delivery; unseen for longer, it takes the alert's resolution as
// lost, and OpenFaaS CE's APIHighInvocationRate beside it (routed by
// --ce-compatible, or by a CE route the snippet is merged beside) steps the
// function again: twice the factor's pace for one condition. AlertManager
// re-sends a firing group at the first flush (every group_interval) after
// repeat_interval has passed since its last notification, so two deliveries
// are up to repeat_interval + group_interval apart. Every generated route
// carries the step alert (it matches service="faas-autoscaler", and the
// rules always hold FunctionStepRateHigh), so the bound always applies.
const stepDeliveryAllowance = 5 * time.Second

// Validate reports every unusable option.
func (o AlertmanagerOptions) Validate() error {
	var errs []string
	add := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	u, err := url.Parse(o.ControllerURL)
	switch {
	case err != nil:
		add("controller URL %q: %v", o.ControllerURL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		add("controller URL %q: scheme must be http or https", o.ControllerURL)
	case u.Hostname() == "":
		// "http://:8080" has a Host and no host name: AlertManager posted
		// to its own localhost (a review's finding).
		add("controller URL %q: no host", o.ControllerURL)
	case !urlport.Valid(u):
		add("controller URL %q: port %s is out of range (1 to 65535)", o.ControllerURL, u.Port())
	case u.User != nil:
		add("controller URL %q: put credentials in the password file, not the URL", o.ControllerURL)
	case u.RawQuery != "" || u.Fragment != "":
		add("controller URL %q: must not have a query or fragment", o.ControllerURL)
	}
	if o.Username == "" {
		add("username: must not be empty")
	} else if strings.Contains(o.Username, ":") {
		// Basic auth cannot carry it, and the controller refuses it.
		add("username %q: must not contain ':'", o.Username)
	}
	if !path.IsAbs(o.PasswordFile) {
		add("password file %q: must be an absolute path", o.PasswordFile)
	}
	if o.Receiver == "" {
		add("receiver: must not be empty")
	} else if o.Full && o.Receiver == fullDefaultReceiver {
		// The full config's catch-all is named so: two receivers of one
		// name, and AlertManager refuses the whole file ("notification
		// config name ... is not unique") where the generator said ok.
		add("receiver %q: the full config's catch-all receiver has that name: choose another", o.Receiver)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		min  time.Duration
	}{{"group wait", o.GroupWait, 0}, {"group interval", o.GroupInterval, time.Millisecond}, {"repeat interval", o.RepeatInterval, time.Millisecond}} {
		if d.v < d.min {
			add("%s %s: must be at least %s", d.name, d.v, Duration(d.min))
		} else if d.v%time.Millisecond != 0 {
			add("%s %s: must be a whole number of milliseconds", d.name, d.v)
		}
	}
	if o.GroupInterval > 0 && o.RepeatInterval > 0 && o.RepeatInterval < o.GroupInterval {
		add("repeat interval %s: must not be shorter than the group interval %s", o.RepeatInterval, o.GroupInterval)
	}
	if o.GroupInterval > 0 && o.RepeatInterval > 0 && stepRepeatTooLate(o.GroupInterval, o.RepeatInterval) {
		fix := "shorten the group interval" // no repeat interval, never shorter than it, fits
		if most := scaler.StepRuleEvidence - stepDeliveryAllowance - o.GroupInterval; most >= o.GroupInterval {
			fix = "at most " + Duration(most).String() + " with this group interval"
		}
		add("repeat interval %s: a firing %s is re-sent up to the repeat interval plus the group interval %s after the last delivery, plus %s delivering it, "+
			"and the controller takes the step alert as firing for only %s after a delivery: %s",
			o.RepeatInterval, AlertStepRateHigh, o.GroupInterval, Duration(stepDeliveryAllowance), scaler.StepRuleEvidence, fix)
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	return errors.New(strings.Join(errs, "\n"))
}

// stepRepeatTooLate reports whether repeat + group + stepDeliveryAllowance
// passes scaler.StepRuleEvidence, for a group and a repeat interval both
// positive. Each term alone is compared with the bound first: summed as
// time.Duration, intervals of centuries wrapped negative and passed.
func stepRepeatTooLate(group, repeat time.Duration) bool {
	bound := scaler.StepRuleEvidence
	if group > bound || repeat > bound {
		return true
	}
	return repeat+group+stepDeliveryAllowance > bound // each ≤ 1m: no overflow
}

// webhookURL joins the controller URL and AlertPath.
func (o AlertmanagerOptions) webhookURL() string {
	u, _ := url.Parse(o.ControllerURL) // validated
	return u.JoinPath(AlertPath).String()
}

// routes returns our child routes: one per function and alert, so a batch
// never mixes functions and one function's resolve cannot be held back by
// another's firing.
// scalingAlerts matches the names of the alerts the route takes to the
// controller. The route label alone is not ours: prometheus-operator gives a
// ServiceMonitor's targets service="<Service name>", the shipped Service is
// faas-autoscaler, and kube-prometheus-stack's TargetDown groups by service,
// so the route took the user's TargetDown for the controller to the webhook
// (refused 400, no function_name), never to a person (a review's finding).
var scalingAlerts = strings.Join([]string{AlertLoadAboveTarget, AlertLoadBelowTarget, AlertAtZeroWithLoad, AlertStepRateHigh}, "|")

func (o AlertmanagerOptions) routes() []Route {
	r := Route{
		Receiver:       o.Receiver,
		Matchers:       []string{fmt.Sprintf("%s=%q", RouteLabel, RouteValue), fmt.Sprintf("alertname=~%q", scalingAlerts)},
		GroupBy:        []string{"alertname", "function_name"},
		GroupWait:      Dur(o.GroupWait),
		GroupInterval:  Dur(o.GroupInterval),
		RepeatInterval: Dur(o.RepeatInterval),
	}
	out := []Route{r}
	if o.CECompatible {
		ce := r
		ce.Matchers = []string{fmt.Sprintf("alertname=%q", AlertCEHighInvocationRate)}
		out = append(out, ce)
	}
	return out
}

func (o AlertmanagerOptions) receiver() Receiver {
	return Receiver{Name: o.Receiver, WebhookConfigs: []WebhookConfig{{
		URL:          o.webhookURL(),
		SendResolved: true,
		HTTPConfig:   HTTPConfig{BasicAuth: BasicAuth{Username: o.Username, PasswordFile: o.PasswordFile}},
	}}}
}

// GenerateAlertmanager returns the snippet (or, with Full, a whole config)
// as a typed value.
func GenerateAlertmanager(o AlertmanagerOptions) (any, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if !o.Full {
		return AlertmanagerSnippet{Routes: o.routes(), Receivers: []Receiver{o.receiver()}}, nil
	}
	// A receiver with no integrations drops what is not ours; users replace
	// it with their own default.
	return AlertmanagerConfig{
		Route: &Route{
			Receiver:       fullDefaultReceiver,
			GroupBy:        []string{"alertname"},
			RepeatInterval: Dur(4 * time.Hour),
			Routes:         o.routes(),
		},
		Receivers: []Receiver{{Name: fullDefaultReceiver}, o.receiver()},
	}, nil
}

// RenderAlertmanager generates and renders the AlertManager YAML.
func RenderAlertmanager(o AlertmanagerOptions) ([]byte, error) {
	v, err := GenerateAlertmanager(o)
	if err != nil {
		return nil, err
	}
	header := "# Generated by `faas-autoscaler alertmanager-config`. Do not edit: regenerate.\n"
	if !o.Full {
		header += "# Merge `routes` into your top-level route's routes: and `receivers` into receivers:.\n"
	}
	return marshalYAML(header, v)
}

// ParseAlertmanagerConfig parses a full config strictly (round-trip tests).
func ParseAlertmanagerConfig(data []byte) (AlertmanagerConfig, error) {
	var c AlertmanagerConfig
	err := decodeStrict(data, &c)
	return c, err
}

// ParseAlertmanagerSnippet parses a snippet strictly.
func ParseAlertmanagerSnippet(data []byte) (AlertmanagerSnippet, error) {
	var s AlertmanagerSnippet
	err := decodeStrict(data, &s)
	return s, err
}

package scaler

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// AlertStatus is an AlertManager alert status as seen by the scaler.
type AlertStatus string

const (
	Firing   AlertStatus = "firing"
	Resolved AlertStatus = "resolved"
)

// Signal is one alert about one function, decoded by package alerts. It asks the
// reconcile loop to evaluate that function now instead of at its next tick;
// step mode also uses Status, as the OpenFaaS gateway did.
type Signal struct {
	Ref       provider.Ref
	Status    AlertStatus
	AlertName string
	// Load is the observed load the alert rule put in its annotations, if any.
	Load *float64
	// ScalingType is the alert's scaling_type label: the kind of load Load
	// measures. Empty when the rule does not say (OpenFaaS CE's rule).
	ScalingType string
	// Fingerprint identifies the alert (AlertManager's fingerprint, or one
	// derived from its labels) so duplicates and retries are recognised.
	Fingerprint string
	StartsAt    time.Time
	Received    time.Time
	// Down says the alert asks for fewer replicas (the generated rules'
	// direction="down", FunctionLoadBelowTarget): it only wakes the loop
	// sooner. Its firing is no evidence of load (it woke functions at zero
	// on a repeat after the idler had scaled them there) and never a step.
	Down bool
	// RetryOf is, when the sender is retrying a notification the webhook
	// answered 5xx (AlertManager sends it again until one is answered 2xx),
	// when this alert instance was first received in it; zero for a first
	// delivery. Step mode steps once per notification: an instance stepped
	// on since then is not stepped again, however long the retries go on.
	RetryOf time.Time
	// NoSeries says the alert is a resolution Grafana sent because the
	// rule's series disappeared (grafana_state_reason MissingSeries): it
	// ends a step-mode firing episode, as any resolution does (a rule with
	// its threshold in the query resolves no other way). The target modes
	// act on firing alerts only, so it is no input to them, as missing data
	// must not be; it carries no load.
	NoSeries bool
	// Repeats says the sender repeats a firing alert: AlertManager (a
	// notification with a group key), on the route `rules` generates every
	// 30 s. Step mode takes the generated step alert's silence for its
	// resolution only then: Grafana's own notifications repeat every 4h by
	// default, and a Grafana step rule still firing was stepped down after a
	// minute (a review's finding).
	Repeats bool
}

// MarshalJSON writes the signal as the explain API shows it
// (observation.signal): snake_case keys, as the README promises for the
// whole API, and the function as "name.namespace". Without it the struct's
// field names came out as they are ("Ref": {"Name", …}, "AlertName").
func (s Signal) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Function    string      `json:"function"`
		Status      AlertStatus `json:"status"`
		AlertName   string      `json:"alert_name"`
		Load        *float64    `json:"load,omitempty"`
		ScalingType string      `json:"scaling_type,omitempty"`
		Fingerprint string      `json:"fingerprint"`
		StartsAt    time.Time   `json:"starts_at"`
		Received    time.Time   `json:"received"`
		Down        bool        `json:"down,omitempty"`
		RetryOf     time.Time   `json:"retry_of,omitzero"`
		NoSeries    bool        `json:"no_series,omitempty"`
		Repeats     bool        `json:"repeats,omitempty"`
	}{s.Ref.String(), s.Status, s.AlertName, s.Load, s.ScalingType, s.Fingerprint, s.StartsAt, s.Received, s.Down, s.RetryOf, s.NoSeries, s.Repeats})
}

// ErrUnavailable is returned by the reconcile loop's Notify when it cannot act
// on any signal now because the provider is unreachable: the webhook answers
// 5xx so AlertManager retries. Before the first listing with nothing failed
// (ErrNotListed) it is an error with words of its own, which say nothing of
// the provider.
var ErrUnavailable = errors.New("scaler cannot reach the provider")

// ErrNotListed is returned, beside ErrUnavailable, by Notify and by the
// loop's NotListed before the first listing of a process start or of a
// leadership term: the webhook and the explain API answer 503 with
// Retry-After. Alone its words are "starting" (notListedYet): they said
// "scaler cannot reach the provider" at every start and every new term,
// though nothing had failed, and sent operators after an outage there was
// none of. After a failed listing the error says the provider cannot be
// reached, with its error.
var ErrNotListed = errors.New("functions not listed yet")

// notListedYet is the error before the first listing of a start or a term
// when no contact with the provider has failed: ErrUnavailable (a retry
// helps: the webhook's 503) and ErrNotListed, worded as what it is.
type notListedYet struct{}

func (notListedYet) Error() string {
	return "scaler starting: " + ErrNotListed.Error() + " (the first listing since the process or its leadership term started is under way)"
}

func (notListedYet) Unwrap() []error { return []error{ErrUnavailable, ErrNotListed} }

// unavailable is ErrUnavailable (a retry helps: the webhook's 503) worded
// as what it is where no contact with the provider failed: a replica that
// does not lead, a loop that has stopped. "scaler cannot reach the
// provider" there sent whoever read AlertManager's log after an outage
// there was none of.
type unavailable string

func (u unavailable) Error() string { return string(u) }

func (unavailable) Unwrap() error { return ErrUnavailable }

// ErrUnknownFunction is returned by Notify for a signal about a function the
// provider does not have.
var ErrUnknownFunction = errors.New("unknown function")

// ErrDisabled is what a webhook's sink answers when the scaler is off
// (scaler.enabled: false): nothing acts on alerts, and a retry cannot
// change that. The scaler loop never runs then, so it would have answered
// "functions not listed yet" and AlertManager would have retried forever.
var ErrDisabled = errors.New("the scaler is disabled (scaler.enabled: false): alerts are not acted on")

// Disabled is the webhook's sink when the scaler is off.
type Disabled struct{}

// Notify refuses every signal with ErrDisabled.
func (Disabled) Notify(context.Context, Signal) error { return ErrDisabled }

package explain

import (
	"encoding/json"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Lister is the scaler's side of the API: which functions exist and what it
// knows about each. scaler.Loop implements it.
type Lister interface {
	// Refs lists the managed functions.
	Refs() []provider.Ref
	// Explain describes one function; false when it is unknown.
	Explain(ref provider.Ref) (Function, bool)
}

// Unlisted is a Lister that can tell it has no listing yet (a process or
// a leadership term starting, the provider down since), or none it can
// explain from yet (the scaler's first pass of a term after an earlier
// one, deciding): NotListed says why, nil once it has one. The handler
// then answers 503 with Retry-After, not an empty list or "unknown
// function", which read as every function gone, nor an earlier term's
// explanations, which read as current.
type Unlisted interface {
	NotListed() error
}

// ErrNeverListed wraps a NotListed error that no wait cures (nothing in
// this controller lists functions): the 503 then carries no Retry-After,
// which told scripts to ask again for ever.
type ErrNeverListed struct{ Why string }

func (e ErrNeverListed) Error() string { return e.Why }

// Section is another component's part of a function's explanation, served
// under "sections" by its Name.
type Section interface {
	Name() string
	Explain(ref provider.Ref) (any, bool)
}

// Function is one function's explanation.
type Function struct {
	// Ref is "name.namespace" (the function_name label value).
	Ref       string `json:"ref"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Spec is the parsed scaling spec; nil when the labels are invalid.
	Spec any `json:"spec,omitempty"`
	// SpecError names the label that does not parse.
	SpecError *LabelError `json:"spec_error,omitempty"`
	// Replicas and AvailableReplicas are what the provider reported last;
	// DesiredReplicas is the controller's target.
	Replicas          uint64 `json:"replicas"`
	AvailableReplicas uint64 `json:"available_replicas"`
	DesiredReplicas   uint64 `json:"desired_replicas"`
	// AvailableUnknown says no component read the ready count (with the
	// scaler off the idler lists replicas only): available_replicas is
	// then null, not a 0 nobody read.
	AvailableUnknown bool `json:"-"`
	// Observation is the last observation the decision used.
	Observation any `json:"observation,omitempty"`
	// State is the decision state (windows, burst mode, step mode).
	State any `json:"state,omitempty"`
	// Decisions are the most recent decisions, newest first.
	Decisions []Decision `json:"decisions"`
	// Sections holds one object per registered Section that knows the function.
	Sections map[string]any `json:"sections,omitempty"`
}

// functionJSON is Function without its MarshalJSON.
type functionJSON Function

// MarshalJSON writes available_replicas as null when it is unknown.
func (f Function) MarshalJSON() ([]byte, error) {
	if !f.AvailableUnknown {
		return json.Marshal(functionJSON(f))
	}
	// The outer field wins over the embedded one of the same JSON name.
	return json.Marshal(struct {
		functionJSON
		AvailableReplicas *uint64 `json:"available_replicas"`
	}{functionJSON: functionJSON(f)})
}

// LabelError is a label that could not be used.
type LabelError struct {
	Label   string `json:"label"`
	Value   string `json:"value"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// Decision is one past decision.
type Decision struct {
	At       time.Time `json:"at"`
	Trigger  string    `json:"trigger"`
	Current  uint64    `json:"current"`
	Replicas uint64    `json:"replicas"`
	Code     string    `json:"code"`
	Reason   string    `json:"reason"`
	Scale    bool      `json:"scale"`
	Result   string    `json:"result"`
	Error    string    `json:"error,omitempty"`
}

// Summary is one function in the list endpoint.
type Summary struct {
	Ref               string    `json:"ref"`
	Name              string    `json:"name"`
	Namespace         string    `json:"namespace"`
	Replicas          uint64    `json:"replicas"`
	AvailableReplicas *uint64   `json:"available_replicas"` // nil: unknown (Function.AvailableUnknown)
	DesiredReplicas   uint64    `json:"desired_replicas"`
	Invalid           bool      `json:"invalid,omitempty"`
	Last              *Decision `json:"last_decision,omitempty"`
}

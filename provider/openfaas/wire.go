package openfaas

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// functionStatus is the part of faas-provider's types.FunctionStatus the
// controller reads. Every field but name and image is omitempty upstream, so a
// function at zero replicas has no "replicas" key: the zero value is right.
// AvailableReplicas keeps whether it was there: faasd's listing never
// writes it, and there absent is "not reported" (faasdListing), while a
// present 0 is 0 everywhere.
type functionStatus struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	Replicas          uint64            `json:"replicas"`
	AvailableReplicas optCount          `json:"availableReplicas"` // absent: read as 0
	CreatedAt         time.Time         `json:"createdAt"`
}

// scaleRequest is faas-provider's types.ScaleServiceRequest. The namespace is
// sent here and in the query: faasd reads only the body, faas-netes only the
// query. Replicas has no omitempty: zero must be said.
type scaleRequest struct {
	ServiceName string `json:"serviceName"`
	Namespace   string `json:"namespace"`
	Replicas    uint64 `json:"replicas"`
}

// toFunction maps a status to a provider.Function; ns fills in a namespace
// the provider left out. The scaler and the idler keep a function's Ref and
// label maps between passes, so a listing's copies should cost nothing
// they need not: a namespace equal to ns is ns (one string, not one per
// function), and an empty map ("labels": {}) is nil.
//
// Available is at most the desired count. faas-netes reports the
// Deployment's status.availableReplicas, which lags the spec: just after a
// scale-down (5→2, or to zero) it still counts the pods being deleted, and
// mid rollout it counts the surge pods. Those are not capacity the function
// keeps; reported as available they showed 5 of 2 available and raised the
// scaler's burst threshold (a multiple of the ready replicas) above what
// the 2 that stay can see (as provider/kubernetes' availableFor).
func (s functionStatus) toFunction(ns string) provider.Function {
	if s.Namespace != "" && s.Namespace != ns {
		ns = s.Namespace
	}
	available := s.AvailableReplicas.n
	return provider.Function{
		Ref:               provider.Ref{Name: s.Name, Namespace: ns},
		Labels:            nilIfEmpty(s.Labels),
		Annotations:       nilIfEmpty(s.Annotations),
		Replicas:          s.Replicas,
		AvailableReplicas: min(available, s.Replicas),
		CreatedAt:         s.CreatedAt,
	}
}

// validName is faas-provider's route pattern for names and namespaces.
var validName = regexp.MustCompile(`^[-a-zA-Z_0-9.]+$`)

// checkName refuses a name that could not be a route segment, before any
// request: "." and ".." would walk out of /system/function/.
func checkName(what, s string) error {
	if !validName.MatchString(s) || s == "." || s == ".." {
		return fmt.Errorf("%s %q is not a valid OpenFaaS name (want [-a-zA-Z_0-9.]+)", what, s)
	}
	return nil
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// optCount is a count that may be absent, decoded in place: a *uint64 cost
// a listing two allocations a function (the pointer, and the status it
// pointed into once a faasd listing filled it), a tenth more of a
// 10,000-function listing's allocations at every pass.
type optCount struct {
	n   uint64
	set bool // the key was there (null is absent)
}

func (c *optCount) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("availableReplicas %s: want a count (%w)", b, err)
	}
	c.n, c.set = n, true
	return nil
}

package idler

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Label names the idler reads. The com.openfaas.* names keep their OpenFaaS
// meaning; MinScheduleLabel is ours.
const (
	LabelZero         = "com.openfaas.scale.zero"
	LabelZeroDuration = "com.openfaas.scale.zero-duration"
	LabelMin          = "com.openfaas.scale.min"
	// MinScheduleLabel holds scheduled minimums (see schedule.go). Kubernetes
	// label values cannot hold spaces, so on faas-netes set it as an annotation.
	MinScheduleLabel = "faas-autoscaler.io/min-schedule"

	// ZeroDurationAuto asks the KeepAlivePolicy for the function's keep-alive.
	ZeroDurationAuto = "auto"
)

// ZeroSpec is a function's scale-to-zero opt-in, parsed from its labels.
type ZeroSpec struct {
	OptIn bool
	// Duration is the keep-alive after the last invocation; for Auto it is the
	// fallback handed to the KeepAlivePolicy.
	Duration time.Duration
	// Auto is true for zero-duration "auto".
	Auto bool
	// DurationSource says where Duration came from: "label" or "default".
	DurationSource string
}

// lookup reads a scaling key from the function's labels, then its annotations
// (faas-netes copies function labels onto the Deployment; annotations are
// where values that are not valid Kubernetes label values live).
func lookup(fn provider.Function, key string) (string, bool) {
	if v, ok := fn.Labels[key]; ok {
		return v, true
	}
	v, ok := fn.Annotations[key]
	return v, ok
}

// ParseZeroSpec reads com.openfaas.scale.zero and .zero-duration. A function
// without the zero label (or without any labels at all) is not opted in; a
// label that does not parse is an error naming it, never a silent default.
func ParseZeroSpec(fn provider.Function, defaultDuration time.Duration) (ZeroSpec, error) {
	spec := ZeroSpec{Duration: defaultDuration, DurationSource: "default"}
	if v, ok := lookup(fn, LabelZero); ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1":
			spec.OptIn = true
		case "false", "0":
		default:
			return ZeroSpec{}, fmt.Errorf("label %s=%q: want true, 1, false or 0", LabelZero, v)
		}
	}
	v, ok := lookup(fn, LabelZeroDuration)
	if !ok {
		return spec, nil
	}
	s := strings.TrimSpace(v)
	if strings.EqualFold(s, ZeroDurationAuto) {
		spec.Auto = true
		return spec, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return ZeroSpec{}, fmt.Errorf("label %s=%q: want a Go duration such as 15m, or %q", LabelZeroDuration, v, ZeroDurationAuto)
	}
	if d <= 0 {
		return ZeroSpec{}, fmt.Errorf("label %s=%q: must be positive", LabelZeroDuration, v)
	}
	spec.Duration, spec.DurationSource = d, "label"
	return spec, nil
}

// parseMin reads com.openfaas.scale.min (OpenFaaS default 1), used when
// --maintain-min restores a function found at zero.
func parseMin(fn provider.Function) (uint64, error) {
	v, ok := lookup(fn, LabelMin)
	if !ok {
		return 1, nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("label %s=%q: want a whole number", LabelMin, v)
	}
	return n, nil
}

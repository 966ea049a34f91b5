package idler

import (
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// Label names the idler reads. The com.openfaas.* names keep their OpenFaaS
// meaning; MinScheduleLabel is ours.
const (
	LabelZero         = "com.openfaas.scale.zero"
	LabelZeroDuration = "com.openfaas.scale.zero-duration"
	LabelMin          = "com.openfaas.scale.min"
	// MinScheduleLabel holds scheduled minimums (see schedule.go). Kubernetes
	// label values cannot hold spaces, so on faas-netes set it as an annotation.
	MinScheduleLabel = scaler.LabelMinSchedule

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
	// Serves is how many requests one replica serves at once: the target of
	// a capacity-scaled function (in-flight requests per replica); 1 for
	// other types, whose labels do not say (the cautious bound for what one
	// pre-warmed replica can take of a burst).
	Serves float64
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

// ParseZeroSpec reads com.openfaas.scale.zero and .zero-duration through the
// one label parse (scaler.ParseSpec, with the scaler's defaults and
// defaultDuration): a function whose labels do not parse is refused here
// exactly as the scaler refuses it, never silently defaulted.
func ParseZeroSpec(fn provider.Function, defaultDuration time.Duration) (ZeroSpec, error) {
	d := scaler.DefaultDefaults()
	d.ZeroDuration = defaultDuration
	spec, err := scaler.ParseSpec(fn, d)
	if err != nil {
		return ZeroSpec{}, err
	}
	return zeroSpecOf(&spec, &fn), nil
}

// zeroSpecOf is the scale-to-zero part of a parsed spec. (By pointer, and
// the label looked up only where it can matter: a cycle asks it of every
// function.)
func zeroSpecOf(spec *scaler.Spec, fn *provider.Function) ZeroSpec {
	z := ZeroSpec{OptIn: spec.Zero, Duration: spec.ZeroDuration, Auto: spec.ZeroDurationAuto, DurationSource: "default", Serves: 1}
	if spec.Type == metricsource.TypeCapacity {
		z.Serves = math.Max(1, spec.Target)
	}
	if !z.Auto {
		if _, ok := lookup(*fn, LabelZeroDuration); ok {
			z.DurationSource = "label"
		}
	}
	return z
}

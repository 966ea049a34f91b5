package scaler

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Per-function scaling labels. Each is read from the function's labels first,
// then from its annotations: a label wins over an annotation of the same name
// (faas-netes copies labels onto the Deployment, annotations are where users of
// plain Deployments can put values labels cannot hold).
//
// | label / annotation                     | default (flag)       | meaning |
// |----------------------------------------|----------------------|---------|
// | com.openfaas.scale.min                 | 1                    | lowest replica count while the function runs (the idler parks an opted-in function at zero whatever its min) |
// | com.openfaas.scale.max                 | 20                   | highest replica count |
// | com.openfaas.scale.factor              | 20                   | step mode: percent of max added per firing alert (1–100; 0 refused: min = max keeps a count) |
// | com.openfaas.scale.type                | rps                  | rps, capacity, cpu, queue, step (exactly: RPS is refused), or a custom recorded load name |
// | com.openfaas.scale.target              | 50                   | target load per replica (> 0) |
// | com.openfaas.scale.target-proportion   | 0.90                 | multiplier on the target, in (0, 1] |
// | com.openfaas.scale.zero                | false                | opt in to scale to zero (true/1/false/0) |
// | com.openfaas.scale.zero-duration       | 15m                  | idle time before zero (≥ 1s); `auto` = adaptive keep-alive |
// | com.openfaas.scale.down.window         | 10m                  | scale-down stabilisation window (0 to 1h) |
// | faas-autoscaler.io/burst-threshold     | 2.0                  | burst when the short-window load needs ≥ this × ready capacity (≥ 1) |
// | faas-autoscaler.io/tolerance           | 0.10                 | no change while load is within ± this share of current capacity, in [0, 1) |
// | faas-autoscaler.io/exact-ce            | false                | step mode reproduces the OpenFaaS CE gateway exactly (cap 5, resolved → min) |
// | faas-autoscaler.io/queue-activation    | 1                    | queue type: messages waiting that wake a function at zero (≥ 0) |
//
// Any other key under com.openfaas.scale. or faas-autoscaler.io/ is read by
// nothing: not an error, but warned about and explained (unknownlabels.go).
const (
	LabelMin              = "com.openfaas.scale.min"
	LabelMax              = "com.openfaas.scale.max"
	LabelFactor           = "com.openfaas.scale.factor"
	LabelType             = "com.openfaas.scale.type"
	LabelTarget           = "com.openfaas.scale.target"
	LabelTargetProportion = "com.openfaas.scale.target-proportion"
	LabelZero             = "com.openfaas.scale.zero"
	LabelZeroDuration     = "com.openfaas.scale.zero-duration"
	LabelDownWindow       = "com.openfaas.scale.down.window"
	LabelBurstThreshold   = "faas-autoscaler.io/burst-threshold"
	LabelTolerance        = "faas-autoscaler.io/tolerance"
	LabelExactCE          = "faas-autoscaler.io/exact-ce"
)

// TypeStep selects step mode: replicas move by a share of max on each firing
// alert, as the OpenFaaS CE gateway did. The other built-in types are the
// metricsource types (rps, capacity, cpu, queue).
const TypeStep = "step"

// StepAlertRate is the invocation rate (calls a second, every status code)
// above which the generated rules fire a step function's alert: OpenFaaS
// CE's APIHighInvocationRate threshold (rate > 5). The controller exports
// it as the function's target load with scaling_type="step", so the rules
// need no constant of their own.
const StepAlertRate = 5.0

// ZeroDurationAuto is the zero-duration value that selects the adaptive
// keep-alive policy (package idler).
const ZeroDurationAuto = "auto"

// MaxDownWindow bounds com.openfaas.scale.down.window: longer windows keep
// capacity for so long that a stuck recommendation looks like a leak.
const MaxDownWindow = time.Hour

// MinZeroDuration is the shortest com.openfaas.scale.zero-duration (and
// default zero duration) accepted: the idler reads a function's activity over
// its zero-duration, and both metrics sources refuse activity windows under
// 1s (metricsource/prometheus promDuration, metricsource/embedded
// Source.window: "must be at least 1s"). A shorter value used to be accepted
// and then left the function never idled, with a per-cycle missing-data
// reason that did not name the label. The sources hold their limit as a
// literal, not an exported constant, so it is repeated here; keep the two
// equal (TestZeroDurationMinimumMatchesSources checks it).
const MinZeroDuration = time.Second

// typeName is a Prometheus label value we accept as a scaling type, so a custom
// type can be put in a scaling_type label and a recorded series name.
var typeName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// builtinTypes are the scaling types with a meaning of their own. Their
// names are matched exactly, as OpenFaaS Pro's rules match scaling_type.
var builtinTypes = []string{metricsource.TypeRPS, metricsource.TypeCapacity, metricsource.TypeCPU, metricsource.TypeQueue, TypeStep}

// BuiltinInOtherCase returns the built-in type v spells in another case
// ("RPS" → "rps"), or "". Taken as a custom type, such a value reads a
// recorded series no rule writes, so the function would never scale on
// load, without an error: it is refused, naming the type meant (labels,
// the default type, and the rules generator's custom types alike).
func BuiltinInOtherCase(v string) string {
	for _, b := range builtinTypes {
		if v != b && strings.EqualFold(v, b) {
			return b
		}
	}
	return ""
}

// Spec is a function's validated scaling configuration. It holds what the
// labels, the annotations and the defaults say, and nothing of the function
// itself (not its name), so functions configured alike share one kept Spec
// (intern.go).
type Spec struct {
	// Min is the floor while the function has load. 0 is allowed: only the
	// idler chooses zero; the scaler floors at max(Min, 1) whenever the function
	// is running, and leaves a function at zero alone until load appears.
	Min uint64 `json:"min"`
	// Max is the ceiling, ≥ Min and ≥ 1.
	Max uint64 `json:"max"`
	// Factor is the step-mode step as a percent of Max, 1–100.
	Factor uint64 `json:"factor"`
	// Type is the scaling type: a metricsource type, TypeStep or a custom load.
	Type string `json:"type"`
	// Target is the load one replica should carry, > 0.
	Target float64 `json:"target"`
	// TargetProportion scales Target down to leave headroom, in (0, 1].
	TargetProportion float64 `json:"target_proportion"`
	// Zero opts the function in to scale to zero (acted on by the idler).
	Zero bool `json:"zero"`
	// ZeroDuration is the idle time before zero; unused when ZeroDurationAuto.
	ZeroDuration time.Duration `json:"zero_duration"`
	// ZeroDurationAuto selects the idler's adaptive keep-alive.
	ZeroDurationAuto bool `json:"zero_duration_auto"`
	// DownWindow is the scale-down stabilisation window; 0 scales down at once.
	DownWindow time.Duration `json:"down_window"`
	// BurstThreshold is the multiple of ready capacity the burst-window load
	// must need before burst mode starts, ≥ 1.
	BurstThreshold float64 `json:"burst_threshold"`
	// Tolerance is the dead band around current capacity, in [0, 1).
	Tolerance float64 `json:"tolerance"`
	// ExactCE makes step mode reproduce the OpenFaaS CE gateway.
	ExactCE bool `json:"exact_ce"`
	// ScaleUpRate / ScaleUpPods / ScaleDownRate are the per-evaluation rate
	// limits (controller-wide, copied from Defaults).
	ScaleUpRate   float64 `json:"scale_up_rate"`
	ScaleUpPods   uint64  `json:"scale_up_pods"`
	ScaleDownRate float64 `json:"scale_down_rate"`
	// QueueActivation is the backlog (messages) that wakes a queue-type
	// function from zero; below it, it stays at zero (see scaler/queue.go).
	QueueActivation float64 `json:"queue_activation"`
	// StepDedup is how long a repeat of the same firing alert (same
	// fingerprint and StartsAt) is ignored in step mode.
	StepDedup time.Duration `json:"step_dedup"`
}

// Static reports whether the function is never scaled while it runs (min ==
// max); at zero, where the idler may park it, it wakes to that count.
func (s Spec) Static() bool { return s.Min == s.Max }

// Step reports whether the function uses step mode.
func (s Spec) Step() bool { return s.Type == TypeStep }

// PerReplicaTarget is the load one replica is sized for: Target × TargetProportion.
func (s Spec) PerReplicaTarget() float64 { return s.Target * s.TargetProportion }

// LabelError names a per-function label that cannot be used. Only that
// function's scaling is affected.
type LabelError struct {
	Ref    provider.Ref
	Label  string
	Value  string
	Reason string
}

func (e *LabelError) Error() string {
	return fmt.Sprintf("function %s: label %s=%q: %s", e.Ref, e.Label, e.Value, e.Reason)
}

// ParseSpec reads fn's scaling labels (then annotations; labels win) over the
// controller defaults d. d must be valid (Defaults.Validate).
func ParseSpec(fn provider.Function, d Defaults) (Spec, error) {
	s := Spec{
		Min:              d.Min,
		Max:              d.Max,
		Factor:           d.Factor,
		Type:             d.Type,
		Target:           d.Target,
		TargetProportion: d.TargetProportion,
		ZeroDuration:     d.ZeroDuration,
		DownWindow:       d.DownWindow,
		BurstThreshold:   d.BurstThreshold,
		Tolerance:        d.Tolerance,
		ExactCE:          d.ExactCE,
		ScaleUpRate:      d.ScaleUpRate,
		ScaleUpPods:      d.ScaleUpPods,
		ScaleDownRate:    d.ScaleDownRate,
		StepDedup:        d.StepDedup,
		QueueActivation:  DefaultQueueActivation,
	}
	p := labelParser{fn: fn}
	p.uint(LabelMin, &s.Min)
	p.uint(LabelMax, &s.Max)
	p.uint(LabelFactor, &s.Factor)
	if v, ok := p.get(LabelType); ok {
		if !typeName.MatchString(v) {
			p.fail(LabelType, v, "want rps, capacity, cpu, queue, step or a custom type matching [a-zA-Z_][a-zA-Z0-9_]*")
		} else if b := BuiltinInOtherCase(v); b != "" {
			p.fail(LabelType, v, fmt.Sprintf("type names are case-sensitive: write %q", b))
		} else {
			s.Type = v
		}
	}
	p.float(LabelTarget, &s.Target)
	p.float(LabelTargetProportion, &s.TargetProportion)
	p.bool(LabelZero, &s.Zero)
	if v, ok := p.get(LabelZeroDuration); ok {
		if strings.EqualFold(v, ZeroDurationAuto) {
			s.ZeroDurationAuto = true
		} else if dur, err := time.ParseDuration(v); err != nil {
			p.fail(LabelZeroDuration, v, "want a Go duration such as 15m, or auto")
		} else if dur <= 0 {
			p.fail(LabelZeroDuration, v, "must be positive")
		} else if dur < MinZeroDuration {
			p.fail(LabelZeroDuration, v, fmt.Sprintf("must be at least %v: the metrics sources cannot read activity over a shorter window, so the function would never be idled", MinZeroDuration))
		} else {
			s.ZeroDuration = dur
		}
	}
	p.duration(LabelDownWindow, &s.DownWindow)
	p.float(LabelBurstThreshold, &s.BurstThreshold)
	p.float(LabelTolerance, &s.Tolerance)
	p.bool(LabelExactCE, &s.ExactCE)
	p.float(LabelQueueActivation, &s.QueueActivation)
	if p.err != nil {
		return Spec{}, p.err
	}
	return s, s.check(fn)
}

// check validates the combined values and names the label responsible.
func (s Spec) check(fn provider.Function) error {
	p := labelParser{fn: fn}
	switch {
	case s.Max < 1:
		p.fail(LabelMax, p.shown(LabelMax, s.Max), "must be at least 1")
	case s.Min > s.Max:
		p.minAboveMax(s.Min, s.Max)
	case s.Factor == 0:
		// The OpenFaaS docs give factor 0 to disable alert scaling (the CE
		// gateway then ignores the function's alerts): say how to have that.
		p.fail(LabelFactor, p.shown(LabelFactor, s.Factor), fmt.Sprintf("must be between 1 and 100 (to keep the function at a fixed count, set %s equal to %s)", LabelMin, LabelMax))
	case s.Factor > 100:
		p.fail(LabelFactor, p.shown(LabelFactor, s.Factor), "must be between 1 and 100")
	case !(s.Target > 0) || math.IsInf(s.Target, 0):
		p.fail(LabelTarget, p.shown(LabelTarget, s.Target), "must be a finite number above 0")
	case !(s.TargetProportion > 0 && s.TargetProportion <= 1):
		p.fail(LabelTargetProportion, p.shown(LabelTargetProportion, s.TargetProportion), "must be in (0, 1]")
	case !(s.PerReplicaTarget() > 0):
		// Each in range, but the product underflows (5e-324 × 0.4): a
		// per-replica target of 0 sizes any load at max.
		p.fail(LabelTarget, p.shown(LabelTarget, s.Target), fmt.Sprintf("target × target-proportion (%g × %g) is 0: too small to size replicas by", s.Target, s.TargetProportion))
	case s.DownWindow < 0 || s.DownWindow > MaxDownWindow:
		p.fail(LabelDownWindow, p.shown(LabelDownWindow, s.DownWindow), "must be between 0s and 1h")
	case !(s.BurstThreshold >= 1) || math.IsInf(s.BurstThreshold, 0):
		p.fail(LabelBurstThreshold, p.shown(LabelBurstThreshold, s.BurstThreshold), "must be a finite number of at least 1")
	case !(s.Tolerance >= 0 && s.Tolerance < 1):
		p.fail(LabelTolerance, p.shown(LabelTolerance, s.Tolerance), "must be in [0, 1)")
	case math.IsInf(s.QueueActivation, 0):
		p.fail(LabelQueueActivation, p.shown(LabelQueueActivation, s.QueueActivation), "must be a finite number of messages")
	}
	return p.err
}

// minAboveMax reports min > max on the label the user set: min when it is
// set (naming the default max it exceeds and the label that raises it), else
// max (below the default min).
func (p *labelParser) minAboveMax(lo, hi uint64) {
	_, minSet := p.get(LabelMin)
	_, maxSet := p.get(LabelMax)
	switch {
	case minSet && maxSet:
		p.fail(LabelMin, p.shown(LabelMin, lo), fmt.Sprintf("min %d is above max %d", lo, hi))
	case minSet:
		p.fail(LabelMin, p.shown(LabelMin, lo), fmt.Sprintf("min %d is above max %d (the default; set %s to raise it)", lo, hi, LabelMax))
	default:
		p.fail(LabelMax, p.shown(LabelMax, hi), fmt.Sprintf("max %d is below min %d (the default; set %s to lower it)", hi, lo, LabelMin))
	}
}

// labelParser reads labels, then annotations, keeping the first error.
type labelParser struct {
	fn  provider.Function
	err error
}

func (p *labelParser) get(name string) (string, bool) {
	if v, ok := p.fn.Labels[name]; ok {
		return strings.TrimSpace(v), true
	}
	if v, ok := p.fn.Annotations[name]; ok {
		return strings.TrimSpace(v), true
	}
	return "", false
}

// shown is the text to report for a label: what the user wrote, or the default.
func (p *labelParser) shown(name string, def any) string {
	if v, ok := p.get(name); ok {
		return v
	}
	return fmt.Sprintf("%v (default)", def)
}

func (p *labelParser) fail(name, value, reason string) {
	if p.err == nil {
		p.err = &LabelError{Ref: p.fn.Ref, Label: name, Value: value, Reason: reason}
	}
}

func (p *labelParser) uint(name string, dst *uint64) {
	v, ok := p.get(name)
	if !ok {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		if strings.HasPrefix(v, "-") {
			p.fail(name, v, "must not be negative")
		} else if errors.Is(err, strconv.ErrRange) {
			p.fail(name, v, "too large")
		} else {
			p.fail(name, v, "want a whole number")
		}
		return
	}
	*dst = n
}

func (p *labelParser) float(name string, dst *float64) {
	v, ok := p.get(name)
	if !ok {
		return
	}
	f, err := strconv.ParseFloat(v, 64)
	if errors.Is(err, strconv.ErrRange) && f > 0 {
		// ±Inf with ErrRange: a well-formed number beyond float64 (a
		// negative one is refused as negative below).
		p.fail(name, v, "too large")
		return
	}
	if (err != nil && !errors.Is(err, strconv.ErrRange)) || math.IsNaN(f) {
		p.fail(name, v, "want a number")
		return
	}
	if f < 0 {
		p.fail(name, v, "must not be negative")
		return
	}
	*dst = f
}

func (p *labelParser) bool(name string, dst *bool) {
	v, ok := p.get(name)
	if !ok {
		return
	}
	switch strings.ToLower(v) {
	case "true", "1":
		*dst = true
	case "false", "0":
		*dst = false
	default:
		p.fail(name, v, "want true, 1, false or 0")
	}
}

func (p *labelParser) duration(name string, dst *time.Duration) {
	v, ok := p.get(name)
	if !ok {
		return
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(name, v, "want a Go duration such as 30s or 5m")
		return
	}
	if d < 0 {
		p.fail(name, v, "must not be negative")
		return
	}
	*dst = d
}

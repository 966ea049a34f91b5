package scaler

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults are the controller-wide values a function's labels override; they
// come from the controller's flags.
type Defaults struct {
	Min              uint64        // --default-min, 1
	Max              uint64        // --default-max, 20
	Factor           uint64        // --default-factor, 20 (step mode, percent of max)
	Type             string        // --default-type, rps
	Target           float64       // --default-target, 50
	TargetProportion float64       // --default-target-proportion, 0.90
	ZeroDuration     time.Duration // --default-zero-duration, 15m
	// DownWindow is the default scale-down stabilisation window. 10m: a
	// replica above what the load needs now is kept as long as the fixed
	// keep-alive baseline keeps any replica after its last use (Lambda-like
	// platforms, Shahrad et al.'s baseline), because shedding it costs the
	// cold starts of the next step up, which a metrics-driven scaler serves
	// one scrape late. Chosen on the tuning split of issue 12 (the first
	// half of the 200-function day: 2m → 10m cut cold starts by a third for
	// +7 % idle; 5m, the HPA's, halfway); docs/sim.md. The way down after
	// the load stops is longer than the HPA's 300 s for it: set the label
	// com.openfaas.scale.down.window (or defaults.down_window) where
	// surplus replicas cost more than cold starts.
	DownWindow     time.Duration // --default-down-window, 10m
	BurstThreshold float64       // --burst-threshold, 2.0 (Knative's panic threshold is 200%)
	Tolerance      float64       // --tolerance, 0.10 (HPA and Knative)
	// ExactCE makes step mode reproduce the OpenFaaS CE gateway's
	// CalculateReplicas, including its cap of 5 and resolved → min.
	ExactCE bool // --exact-ce, false
	// ScaleUpRate and ScaleUpPods limit one evaluation's scale-up to
	// max(current × ScaleUpRate, current + ScaleUpPods), the HPA's default
	// policy's figures (100 % or 4 pods), but per evaluation, not per 15 s
	// period: after a scale-up the function is evaluated every second for a
	// burst window (FollowUpEvery), each evaluation a step, so a load needing
	// 40 from 5 gets there in about 3 s (issue 12: scale up on demand, at
	// once). Burst mode is not limited.
	ScaleUpRate float64 // --scale-up-rate, 2.0
	ScaleUpPods uint64  // --scale-up-pods, 4
	// ScaleDownRate is the smallest share of current replicas one evaluation
	// may keep: 0.5 means at most halve per evaluation, so a wrong low reading
	// can cost at most half the capacity before the next look.
	ScaleDownRate float64 // --scale-down-rate, 0.5
	// StepDedup: in step mode, a repeat of the same firing alert (same
	// fingerprint and StartsAt) within this long adds no second step (HA
	// AlertManagers' duplicates; AlertManager's retries of a notification
	// answered 5xx are known as such however late, Signal.RetryOf). 5s is
	// half the CE AlertManager's
	// group_interval: notifications one group_interval apart step again, as
	// CE climbs on each. At 10s, the interval itself, delivery and pass
	// jitter put about half of them a little under it, and CE's steps were
	// lost.
	StepDedup time.Duration // --step-dedup, 5s
}

// DefaultDefaults returns the defaults documented in the label table.
func DefaultDefaults() Defaults {
	return Defaults{
		Min:              1,
		Max:              20,
		Factor:           20,
		Type:             "rps",
		Target:           50,
		TargetProportion: 0.90,
		ZeroDuration:     15 * time.Minute,
		DownWindow:       10 * time.Minute,
		BurstThreshold:   2.0,
		Tolerance:        0.10,
		ScaleUpRate:      2.0,
		ScaleUpPods:      4,
		ScaleDownRate:    0.5,
		StepDedup:        5 * time.Second,
	}
}

// CEDefaults returns defaults that make every function behave like the
// OpenFaaS CE gateway's alert handler (step mode, max 5, factor 10, exact).
func CEDefaults() Defaults {
	d := DefaultDefaults()
	d.Type = TypeStep
	d.Max = 5
	d.Factor = 10
	d.ExactCE = true
	d.DownWindow = 0
	return d
}

// Validate reports every problem with d, one per line, naming the flag.
func (d Defaults) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if d.Max < 1 {
		bad("default max = %d, must be at least 1", d.Max)
	}
	if d.Min > d.Max {
		bad("default min = %d, must not be above default max %d", d.Min, d.Max)
	}
	if d.Factor < 1 || d.Factor > 100 {
		bad("default factor = %d, must be in [1, 100]", d.Factor)
	}
	if !typeName.MatchString(d.Type) {
		bad("default type = %q, must match [a-zA-Z_][a-zA-Z0-9_]*", d.Type)
	} else if b := BuiltinInOtherCase(d.Type); b != "" {
		bad("default type = %q: type names are case-sensitive: write %q", d.Type, b)
	}
	if !(d.Target > 0) || math.IsInf(d.Target, 0) {
		bad("default target = %v, must be a finite number above 0", d.Target)
	}
	if !(d.TargetProportion > 0 && d.TargetProportion <= 1) {
		bad("default target proportion = %v, must be in (0, 1]", d.TargetProportion)
	} else if d.Target > 0 && !(d.Target*d.TargetProportion > 0) {
		bad("default target × target proportion (%g × %g) is 0: too small to size replicas by", d.Target, d.TargetProportion)
	}
	if d.ZeroDuration <= 0 {
		bad("default zero duration = %v, must be positive", d.ZeroDuration)
	} else if d.ZeroDuration < MinZeroDuration {
		// No metrics source reads activity over a shorter window (see
		// MinZeroDuration): functions without the label would never idle.
		bad("default zero duration = %v, must be at least %v (the metrics sources' shortest activity window)", d.ZeroDuration, MinZeroDuration)
	}
	if d.DownWindow < 0 || d.DownWindow > MaxDownWindow {
		bad("default down window = %v, must be in [0s, 1h]", d.DownWindow)
	}
	if !(d.BurstThreshold >= 1) || math.IsInf(d.BurstThreshold, 0) {
		bad("burst threshold = %v, must be a finite number of at least 1", d.BurstThreshold)
	}
	if !(d.Tolerance >= 0 && d.Tolerance < 1) {
		bad("tolerance = %v, must be in [0, 1)", d.Tolerance)
	}
	if !(d.ScaleUpRate >= 1) || math.IsInf(d.ScaleUpRate, 0) {
		bad("scale up rate = %v, must be a finite number of at least 1", d.ScaleUpRate)
	}
	if d.ScaleUpRate == 1 && d.ScaleUpPods == 0 {
		// max(current × 1, current + 0) = current: no scale-up outside bursts.
		bad("scale up pods = 0 with scale up rate 1, must be at least 1 (no scale-up at all outside bursts)")
	}
	if !(d.ScaleDownRate > 0 && d.ScaleDownRate <= 1) {
		bad("scale down rate = %v, must be in (0, 1]", d.ScaleDownRate)
	}
	if d.StepDedup < 0 {
		bad("step dedup = %v, must not be negative", d.StepDedup)
	}
	return errors.Join(errs...)
}

package scaler

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var testRef = provider.Ref{Name: "fn", Namespace: "openfaas-fn"}

func fnWith(labels, annotations map[string]string) provider.Function {
	return provider.Function{Ref: testRef, Labels: labels, Annotations: annotations}
}

// specFrom is the spec DefaultDefaults gives a function without labels,
// changed by edit.
func specFrom(edit func(*Spec)) Spec {
	d := testDefaults()
	s := Spec{Min: d.Min, Max: d.Max, Factor: d.Factor, Type: d.Type, Target: d.Target,
		TargetProportion: d.TargetProportion, ZeroDuration: d.ZeroDuration, DownWindow: d.DownWindow,
		BurstThreshold: d.BurstThreshold, Tolerance: d.Tolerance, ScaleUpRate: d.ScaleUpRate,
		ScaleUpPods: d.ScaleUpPods, ScaleDownRate: d.ScaleDownRate, StepDedup: d.StepDedup,
		QueueActivation: DefaultQueueActivation}
	if edit != nil {
		edit(&s)
	}
	return s
}

func TestParseSpec(t *testing.T) {
	tests := []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		want        Spec
	}{
		{name: "no labels map at all", want: specFrom(nil)},
		{name: "all OpenFaaS labels", labels: map[string]string{
			LabelMin: "2", LabelMax: "40", LabelFactor: "25", LabelType: "capacity", LabelTarget: "5",
			LabelTargetProportion: "0.7", LabelZero: "true", LabelZeroDuration: "30m", LabelDownWindow: "5m",
		}, want: specFrom(func(s *Spec) {
			s.Min, s.Max, s.Factor, s.Type, s.Target, s.TargetProportion = 2, 40, 25, "capacity", 5, 0.7
			s.Zero, s.ZeroDuration, s.DownWindow = true, 30*time.Minute, 5*time.Minute
		})},
		{name: "our own knobs", labels: map[string]string{
			LabelBurstThreshold: "3", LabelTolerance: "0.05", LabelExactCE: "1", LabelType: "step",
		}, want: specFrom(func(s *Spec) { s.BurstThreshold, s.Tolerance, s.ExactCE, s.Type = 3, 0.05, true, TypeStep })},
		{name: "zero 1 and zero-duration auto", labels: map[string]string{LabelZero: "1", LabelZeroDuration: "auto"},
			want: specFrom(func(s *Spec) { s.Zero, s.ZeroDurationAuto = true, true })},
		{name: "zero false", labels: map[string]string{LabelZero: "false"}, want: specFrom(nil)},
		{name: "annotation used when no label", annotations: map[string]string{LabelMax: "7"},
			want: specFrom(func(s *Spec) { s.Max = 7 })},
		{name: "label wins over annotation", labels: map[string]string{LabelMax: "9"}, annotations: map[string]string{LabelMax: "7"},
			want: specFrom(func(s *Spec) { s.Max = 9 })},
		{name: "custom recorded type", labels: map[string]string{LabelType: "latency_p95"},
			want: specFrom(func(s *Spec) { s.Type = "latency_p95" })},
		{name: "min zero allowed", labels: map[string]string{LabelMin: "0"}, want: specFrom(func(s *Spec) { s.Min = 0 })},
		{name: "min equals max is static", labels: map[string]string{LabelMin: "3", LabelMax: "3"},
			want: specFrom(func(s *Spec) { s.Min, s.Max = 3, 3 })},
		{name: "whitespace trimmed", labels: map[string]string{LabelMax: " 8 "}, want: specFrom(func(s *Spec) { s.Max = 8 })},
		{name: "down window zero", labels: map[string]string{LabelDownWindow: "0s"}, want: specFrom(func(s *Spec) { s.DownWindow = 0 })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSpec(fnWith(tc.labels, tc.annotations), testDefaults())
			if err != nil {
				t.Fatalf("ParseSpec: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	tests := []struct {
		name       string
		labels     map[string]string
		wantLabel  string
		wantValue  string
		wantReason string
	}{
		{"min not a number", map[string]string{LabelMin: "two"}, LabelMin, "two", "whole number"},
		{"negative min", map[string]string{LabelMin: "-1"}, LabelMin, "-1", "negative"},
		{"negative max", map[string]string{LabelMax: "-5"}, LabelMax, "-5", "negative"},
		{"max zero", map[string]string{LabelMax: "0", LabelMin: "0"}, LabelMax, "0", "at least 1"},
		{"min above max", map[string]string{LabelMin: "5", LabelMax: "3"}, LabelMin, "5", "above max 3"},
		{"min above default max", map[string]string{LabelMin: "25"}, LabelMin, "25", "above max 20"},
		{"factor zero", map[string]string{LabelFactor: "0"}, LabelFactor, "0", "between 1 and 100"},
		{"factor 101", map[string]string{LabelFactor: "101"}, LabelFactor, "101", "between 1 and 100"},
		{"proportion zero", map[string]string{LabelTargetProportion: "0"}, LabelTargetProportion, "0", "(0, 1]"},
		{"proportion above one", map[string]string{LabelTargetProportion: "1.5"}, LabelTargetProportion, "1.5", "(0, 1]"},
		{"target zero", map[string]string{LabelTarget: "0"}, LabelTarget, "0", "above 0"},
		{"target negative", map[string]string{LabelTarget: "-3"}, LabelTarget, "-3", "negative"},
		{"target NaN", map[string]string{LabelTarget: "NaN"}, LabelTarget, "NaN", "number"},
		{"target infinite", map[string]string{LabelTarget: "+Inf"}, LabelTarget, "+Inf", "finite"},
		{"type with dash", map[string]string{LabelType: "my-load"}, LabelType, "my-load", "custom type"},
		{"type empty", map[string]string{LabelType: ""}, LabelType, "", "custom type"},
		{"zero yes", map[string]string{LabelZero: "yes"}, LabelZero, "yes", "true, 1, false or 0"},
		{"zero duration bad", map[string]string{LabelZeroDuration: "15"}, LabelZeroDuration, "15", "Go duration"},
		{"zero duration zero", map[string]string{LabelZeroDuration: "0s"}, LabelZeroDuration, "0s", "positive"},
		{"down window bad", map[string]string{LabelDownWindow: "5 minutes"}, LabelDownWindow, "5 minutes", "Go duration"},
		{"down window negative", map[string]string{LabelDownWindow: "-1m"}, LabelDownWindow, "-1m", "negative"},
		{"down window too long", map[string]string{LabelDownWindow: "2h"}, LabelDownWindow, "2h", "between 0s and 1h"},
		{"burst threshold below one", map[string]string{LabelBurstThreshold: "0.5"}, LabelBurstThreshold, "0.5", "at least 1"},
		{"tolerance one", map[string]string{LabelTolerance: "1"}, LabelTolerance, "1", "[0, 1)"},
		{"exact-ce bad", map[string]string{LabelExactCE: "sure"}, LabelExactCE, "sure", "true, 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSpec(fnWith(tc.labels, nil), testDefaults())
			var le *LabelError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a *LabelError", err)
			}
			if le.Label != tc.wantLabel || le.Value != tc.wantValue || !strings.Contains(le.Reason, tc.wantReason) {
				t.Errorf("got label %q value %q reason %q; want %q %q containing %q",
					le.Label, le.Value, le.Reason, tc.wantLabel, tc.wantValue, tc.wantReason)
			}
			if le.Ref != testRef || !strings.Contains(err.Error(), tc.wantLabel) || !strings.Contains(err.Error(), testRef.String()) {
				t.Errorf("error %q should name the function and the label", err)
			}
		})
	}
}

func TestDefaultsValidate(t *testing.T) {
	if err := testDefaults().Validate(); err != nil {
		t.Fatalf("DefaultDefaults invalid: %v", err)
	}
	if err := CEDefaults().Validate(); err != nil {
		t.Fatalf("CEDefaults invalid: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Defaults)
		want string
	}{
		{"max zero", func(d *Defaults) { d.Max, d.Min = 0, 0 }, "default max = 0, must be at least 1"},
		{"min above max", func(d *Defaults) { d.Min = 30 }, "default min = 30, must not be above default max 20"},
		{"factor", func(d *Defaults) { d.Factor = 0 }, "default factor = 0, must be in [1, 100]"},
		{"type", func(d *Defaults) { d.Type = "a b" }, `default type = "a b", must match [a-zA-Z_][a-zA-Z0-9_]*`},
		{"type case", func(d *Defaults) { d.Type = "RPS" }, `default type = "RPS": type names are case-sensitive: write "rps"`},
		{"target", func(d *Defaults) { d.Target = 0 }, "default target = 0, must be a finite number above 0"},
		{"proportion", func(d *Defaults) { d.TargetProportion = 2 }, "default target proportion = 2, must be in (0, 1]"},
		{"zero duration", func(d *Defaults) { d.ZeroDuration = 0 }, "default zero duration = 0s, must be positive"},
		{"down window", func(d *Defaults) { d.DownWindow = 2 * time.Hour }, "default down window = 2h0m0s, must be in [0s, 1h]"},
		{"burst", func(d *Defaults) { d.BurstThreshold = 0.5 }, "burst threshold = 0.5, must be a finite number of at least 1"},
		{"tolerance", func(d *Defaults) { d.Tolerance = -0.1 }, "tolerance = -0.1, must be in [0, 1)"},
		{"up rate", func(d *Defaults) { d.ScaleUpRate = 0.5 }, "scale up rate = 0.5, must be a finite number of at least 1"},
		{"down rate", func(d *Defaults) { d.ScaleDownRate = 0 }, "scale down rate = 0, must be in (0, 1]"},
		{"step dedup", func(d *Defaults) { d.StepDedup = -time.Second }, "step dedup = -1s, must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := testDefaults()
			tc.edit(&d)
			err := d.Validate()
			if err == nil || err.Error() != tc.want {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("every problem reported", func(t *testing.T) {
		d := testDefaults()
		d.Factor, d.Tolerance = 0, 2
		if err := d.Validate(); err == nil || strings.Count(err.Error(), "\n") != 1 {
			t.Errorf("Validate() = %v, want two lines", err)
		}
	})
}

func FuzzParseSpec(f *testing.F) {
	f.Add(LabelMax, "5", LabelMin, "2")
	f.Add(LabelTarget, "NaN", LabelType, "step")
	f.Add(LabelZeroDuration, "auto", LabelDownWindow, "-1s")
	// Each in range, their product below the smallest float64: a
	// per-replica target of 0, which sized any load at max. Before the
	// fix: "invalid spec accepted: {... Target:5e-324 TargetProportion:0.4 ...}".
	f.Add(LabelTarget, "5e-324", LabelTargetProportion, "0.4")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		fn := fnWith(map[string]string{k1: v1}, map[string]string{k2: v2})
		s, err := ParseSpec(fn, testDefaults())
		if err != nil {
			var le *LabelError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a *LabelError", err)
			}
			if le.Label != k1 && le.Label != k2 {
				t.Fatalf("error names label %q, set were %q and %q", le.Label, k1, k2)
			}
			return
		}
		// A spec that parses is usable: Decide must not panic on it.
		if s.Min > s.Max || s.Max < 1 || !(s.PerReplicaTarget() > 0) {
			t.Fatalf("invalid spec accepted: %+v", s)
		}
		load := 123.0
		Decide(s, Observation{Replicas: 3, Available: 3, StableLoad: &load, BurstLoad: &load}, State{}, time.Unix(0, 0))
	})
}

// testDefaults are the shipped defaults with the 2-minute down window the
// tests' timings are written for (the shipped one is 10m; its choice is
// the simulator's to measure, not these tests').
func testDefaults() Defaults {
	d := DefaultDefaults()
	d.DownWindow = 2 * time.Minute
	return d
}

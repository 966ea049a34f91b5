package scaler

import (
	"errors"
	"strings"
	"testing"
)

// Values an OpenFaaS CE or Pro user may carry over in stack.yaml, read as
// OpenFaaS means them or refused with a reason that names the label and
// says what to write instead (review R4).

// labelErr parses labels over defaults d and returns the LabelError, failing
// the test when the parse succeeds or fails otherwise.
func labelErr(t *testing.T, labels map[string]string, d Defaults) *LabelError {
	t.Helper()
	spec, err := ParseSpec(fnWith(labels, nil), d)
	var le *LabelError
	if !errors.As(err, &le) {
		t.Fatalf("ParseSpec(%v) = %+v, err %v; want a *LabelError", labels, spec, err)
	}
	return le
}

// A built-in type written in another case ("RPS", "Capacity") is refused,
// naming the built-in meant. It used to be taken as a custom type, whose
// recorded series (job:function_current_load:sum{scaling_type="RPS"}) no
// rule writes: the function was silently never scaled on load, as it is not
// in OpenFaaS Pro either, whose rules match scaling_type="rps" exactly.
//
// Seen failing before the fix: ParseSpec(map[com.openfaas.scale.type:RPS])
// = {... Type:RPS ...}, err <nil>; want a *LabelError
func TestTypeBuiltinInOtherCaseRefused(t *testing.T) {
	for v, want := range map[string]string{"RPS": "rps", "Capacity": "capacity", "CPU": "cpu", "Queue": "queue", "Step": "step", "rPs": "rps"} {
		t.Run(v, func(t *testing.T) {
			le := labelErr(t, map[string]string{LabelType: v}, testDefaults())
			if le.Label != LabelType || le.Value != v || !strings.Contains(le.Reason, `"`+want+`"`) {
				t.Errorf("LabelError %q=%q: %s; want it on %s, saying %q", le.Label, le.Value, le.Reason, LabelType, want)
			}
		})
	}
	// Custom types, and the built-ins as OpenFaaS spells them, still parse.
	for _, v := range []string{"rps", "capacity", "cpu", "queue", "step", "latency_p95", "RPS_latency", "Cpu2"} {
		s, err := ParseSpec(fnWith(map[string]string{LabelType: v}, nil), testDefaults())
		if err != nil || s.Type != v {
			t.Errorf("type %q: spec type %q, err %v; want it accepted as is", v, s.Type, err)
		}
	}
}

// A number too large for its label is refused as too large, not as "not a
// number", which it is.
//
// Seen failing before the fix: reason "want a whole number" for
// com.openfaas.scale.max="99999999999999999999", "want a number" for
// com.openfaas.scale.target="1e400"; want "too large"
func TestLabelNumberTooLargeSaysSo(t *testing.T) {
	for _, labels := range []map[string]string{
		{LabelMax: "99999999999999999999"},
		{LabelMin: "18446744073709551616"},
		{LabelTarget: "1e400"},
		{LabelBurstThreshold: "2e308"},
	} {
		le := labelErr(t, labels, testDefaults())
		if !strings.Contains(le.Reason, "too large") {
			t.Errorf("%s=%q: reason %q; want it to say too large", le.Label, le.Value, le.Reason)
		}
	}
}

// min above a max the user did not set names the default max and the label
// that raises it; a max below a default min the user did not set is the
// max label's error, not the min's.
//
// Seen failing before the fix: com.openfaas.scale.min="30": reason "min 30
// is above max 20", want it to name com.openfaas.scale.max and the default;
// and with defaults.min 3, com.openfaas.scale.max="2" gave the error on
// com.openfaas.scale.min="3 (default)"
func TestMinAboveMaxNamesWhatWasSet(t *testing.T) {
	le := labelErr(t, map[string]string{LabelMin: "30"}, testDefaults())
	if le.Label != LabelMin || le.Value != "30" || !strings.Contains(le.Reason, "above max 20") ||
		!strings.Contains(le.Reason, "default") || !strings.Contains(le.Reason, LabelMax) {
		t.Errorf("min 30, no max: %s=%q: %s; want it on %s, naming the default max and %s", le.Label, le.Value, le.Reason, LabelMin, LabelMax)
	}
	le = labelErr(t, map[string]string{LabelMin: "5", LabelMax: "3"}, testDefaults())
	if le.Label != LabelMin || le.Reason != "min 5 is above max 3" {
		t.Errorf("min 5, max 3: %s=%q: %q; want it on %s: min 5 is above max 3", le.Label, le.Value, le.Reason, LabelMin)
	}
	d := testDefaults()
	d.Min = 3
	le = labelErr(t, map[string]string{LabelMax: "2"}, d)
	if le.Label != LabelMax || le.Value != "2" || !strings.Contains(le.Reason, "below min 3") || !strings.Contains(le.Reason, "default") {
		t.Errorf("default min 3, max 2: %s=%q: %s; want it on %s: below the default min 3", le.Label, le.Value, le.Reason, LabelMax)
	}
}

// com.openfaas.scale.factor=0 is what the OpenFaaS docs give to disable
// alert scaling (the CE gateway then ignores the function's alerts). It is
// refused here, and the reason says how to keep a function at a fixed
// count: min equal to max.
//
// Seen failing before the fix: reason "must be between 1 and 100"; want it
// to name com.openfaas.scale.min and com.openfaas.scale.max
func TestFactorZeroSaysHowToDisable(t *testing.T) {
	le := labelErr(t, map[string]string{LabelFactor: "0"}, testDefaults())
	if le.Label != LabelFactor || !strings.Contains(le.Reason, "between 1 and 100") ||
		!strings.Contains(le.Reason, LabelMin) || !strings.Contains(le.Reason, LabelMax) {
		t.Errorf("factor 0: %s=%q: %s; want the range and how to disable scaling (%s = %s)", le.Label, le.Value, le.Reason, LabelMin, LabelMax)
	}
	le = labelErr(t, map[string]string{LabelFactor: "101"}, testDefaults())
	if le.Reason != "must be between 1 and 100" {
		t.Errorf("factor 101: reason %q; want the range alone", le.Reason)
	}
}

// The formats a stack.yaml may hold that OpenFaaS reads with a meaning we
// share are accepted with that meaning; those it reads leniently (CE takes
// its default for a non-integer, the idler "not opted in" for "yes") are
// refused on the label, never given a meaning the user did not write.
func TestOpenFaaSLabelFormats(t *testing.T) {
	accepted := []struct {
		labels map[string]string
		check  func(Spec) bool
	}{
		{map[string]string{LabelZero: "True"}, func(s Spec) bool { return s.Zero }},
		{map[string]string{LabelZero: "TRUE", LabelZeroDuration: "900s"}, func(s Spec) bool { return s.Zero && s.ZeroDuration.String() == "15m0s" }},
		{map[string]string{LabelZeroDuration: "1h30m"}, func(s Spec) bool { return s.ZeroDuration.String() == "1h30m0s" }},
		{map[string]string{LabelMin: "05", LabelMax: " 7 "}, func(s Spec) bool { return s.Min == 5 && s.Max == 7 }},
		{map[string]string{LabelTargetProportion: "1.0", LabelTarget: "2.5"}, func(s Spec) bool { return s.TargetProportion == 1 && s.Target == 2.5 }},
		{map[string]string{LabelDownWindow: "300s"}, func(s Spec) bool { return s.DownWindow.String() == "5m0s" }},
		{map[string]string{LabelDownWindow: "10m"}, func(s Spec) bool { return s.DownWindow.String() == "10m0s" }},
		{map[string]string{LabelFactor: "100", LabelType: "step"}, func(s Spec) bool { return s.Factor == 100 && s.Step() }},
		{map[string]string{LabelMin: "0"}, func(s Spec) bool { return s.Min == 0 && !s.Zero }},
	}
	for _, tc := range accepted {
		s, err := ParseSpec(fnWith(tc.labels, nil), testDefaults())
		if err != nil || !tc.check(s) {
			t.Errorf("%v: spec %+v, err %v; want it accepted with OpenFaaS's meaning", tc.labels, s, err)
		}
	}
	refused := map[string]string{
		LabelMin:              "2.0",
		LabelMax:              "",
		LabelFactor:           "10%",
		LabelZero:             "yes",
		LabelZeroDuration:     "300",
		LabelDownWindow:       "300",
		LabelTarget:           "",
		LabelTargetProportion: "90%",
	}
	for name, v := range refused {
		le := labelErr(t, map[string]string{name: v}, testDefaults())
		if le.Label != name || le.Value != v {
			t.Errorf("%s=%q: error on %s=%q (%s); want it on the label set", name, v, le.Label, le.Value, le.Reason)
		}
	}
}

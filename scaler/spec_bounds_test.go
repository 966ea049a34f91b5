package scaler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/prometheus"
)

// activityWindowErrors asks both metrics sources for activity over win and
// returns their errors. No I/O happens for a window they refuse (they check
// it first); for one they accept, the Prometheus source fails to connect to
// a closed port instead.
func activityWindowErrors(t *testing.T, win time.Duration) (prom, emb error) {
	t.Helper()
	pc := prometheus.DefaultConfig()
	pc.URL = "http://127.0.0.1:1"
	ps, err := prometheus.New(pc)
	if err != nil {
		t.Fatal(err)
	}
	es, err := embedded.New(embedded.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	_, prom = ps.Activity(context.Background(), win)
	_, emb = es.Activity(context.Background(), win)
	return prom, emb
}

// A com.openfaas.scale.zero-duration under MinZeroDuration (1s) is refused
// with a LabelError naming the label: no metrics source reads activity over
// such a window, so the function would never be idled, with only a
// per-cycle missing-data reason that names no label. 1s itself is accepted.
//
// Seen failing before the fix (found by a review): spec_bounds_test.go:55:
// ParseSpec(com.openfaas.scale.zero-duration="500ms") = zero-duration 500ms,
// err <nil>; want a LabelError naming com.openfaas.scale.zero-duration (the
// Prometheus source answers "activity window 500ms: must be at least 1s" and
// the embedded one "activity: window 500ms: must be at least 1s" for that
// window, so the function is never idled)
func TestZeroDurationLabelBelowOneSecondRefused(t *testing.T) {
	for _, v := range []string{"500ms", "1ns", "999ms", "999999999ns"} {
		t.Run(v, func(t *testing.T) {
			fn := fnWith(map[string]string{LabelZero: "true", LabelZeroDuration: v}, nil)
			spec, err := ParseSpec(fn, testDefaults())
			var le *LabelError
			if err == nil || !errors.As(err, &le) || le.Label != LabelZeroDuration {
				win, _ := time.ParseDuration(v)
				promErr, embErr := activityWindowErrors(t, win)
				t.Errorf("ParseSpec(%s=%q) = zero-duration %v, err %v; want a LabelError naming %s "+
					"(the Prometheus source answers %q and the embedded one %q for that window, so the function is never idled)",
					LabelZeroDuration, v, spec.ZeroDuration, err, LabelZeroDuration, promErr, embErr)
				return
			}
			if le.Value != v || !strings.Contains(le.Reason, "at least 1s") {
				t.Errorf("LabelError value %q reason %q; want value %q and a reason saying at least 1s", le.Value, le.Reason, v)
			}
		})
	}
	for _, v := range []string{"1s", "1000ms", "15m"} {
		fn := fnWith(map[string]string{LabelZero: "true", LabelZeroDuration: v}, nil)
		if _, err := ParseSpec(fn, testDefaults()); err != nil {
			t.Errorf("ParseSpec(%s=%q) = %v, want it accepted", LabelZeroDuration, v, err)
		}
	}
}

// The default zero duration obeys the same minimum (Defaults.Validate, the
// controller's start-up check).
//
// Seen failing before the fix (found by a review): spec_bounds_test.go:84:
// Validate() = <nil>, want "default zero duration = 500ms, must be at least
// 1s (the metrics sources' shortest activity window)"
func TestDefaultZeroDurationBelowOneSecondRefused(t *testing.T) {
	d := testDefaults()
	d.ZeroDuration = 500 * time.Millisecond
	want := "default zero duration = 500ms, must be at least 1s (the metrics sources' shortest activity window)"
	if err := d.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %q", err, want)
	}
	d.ZeroDuration = MinZeroDuration
	if err := d.Validate(); err != nil {
		t.Errorf("default zero duration %v: Validate() = %v, want nil", MinZeroDuration, err)
	}
}

// MinZeroDuration repeats the metrics sources' shortest activity window
// (they hold it as a literal): both refuse a window just under it and
// neither refuses it for its length.
func TestZeroDurationMinimumMatchesSources(t *testing.T) {
	prom, emb := activityWindowErrors(t, MinZeroDuration-time.Nanosecond)
	for name, err := range map[string]error{"prometheus": prom, "embedded": emb} {
		if err == nil || !strings.Contains(err.Error(), "must be at least") {
			t.Errorf("%s source, window %v: err %v; want it refused (MinZeroDuration out of step with the source)", name, MinZeroDuration-time.Nanosecond, err)
		}
	}
	prom, emb = activityWindowErrors(t, MinZeroDuration)
	for name, err := range map[string]error{"prometheus": prom, "embedded": emb} {
		if err != nil && strings.Contains(err.Error(), "must be at least") {
			t.Errorf("%s source, window %v: err %v; want the window accepted (MinZeroDuration out of step with the source)", name, MinZeroDuration, err)
		}
	}
}

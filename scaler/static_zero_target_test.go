package scaler

import (
	"testing"
	"time"
)

// TestStaticFunctionAtZeroExportsItsTarget: min = max with
// com.openfaas.scale.zero=true is idled to zero and woken on load to its
// fixed count (README: "idled to zero (com.openfaas.scale.zero=true), it
// wakes on load to that count"; TestStaticFunctionAtZeroWakesOnLoad). The
// generated FunctionAtZeroWithLoad, the webhook's wake, joins the at-zero
// load `and on (function_name, scaling_type)` with
// faas_autoscaler_function_target_load (rules/alerting.go), and the loop
// exports no target for a static function (metrics.go: `case r.spec == nil
// || r.spec.Static():` writes nothing), so the alert can never fire for
// it: its wake always waits for the periodic pass, not the webhook that
// README promises ("An alert on /system/alert evaluates that function at
// once"). Expected: a static function at zero has its target series.
//
// A running static function still has none (no alert fires for a count
// never scaled).
//
// Seen failing before the fix: "static (min = max = 2) function idled at
// zero: no faas_autoscaler_function_target_load{…} series".
func TestStaticFunctionAtZeroExportsItsTarget(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 0, map[string]string{LabelMin: "2", LabelMax: "2", LabelZero: "true"}))
	e.src.Set("rps", refB, 0) // the type is known; the function has no load
	if err := e.loop.Tick(t.Context(), t0); err != nil {
		t.Fatal(err)
	}
	if d := e.prov.replicas(refA); d != 0 {
		t.Fatalf("setup: static function at zero without load: %d replicas, want 0", d)
	}
	if v, ok := e.metric(t, MetricTargetLoad, map[string]string{labelFunction: refA.String(), labelScalingType: "rps"}); !ok {
		t.Errorf("static (min = max = 2) function idled at zero: no %s{function_name=%q, scaling_type=\"rps\"} series, "+
			"so the generated FunctionAtZeroWithLoad can never fire for it; want 45 (50 × 0.90)", MetricTargetLoad, refA.String())
	} else if v != 45 {
		t.Errorf("target load %g, want 45", v)
	}
	if err := e.prov.Scale(t.Context(), refA, 2); err != nil {
		t.Fatal(err)
	}
	if err := e.loop.Tick(t.Context(), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if v, ok := e.metric(t, MetricTargetLoad, map[string]string{labelFunction: refA.String(), labelScalingType: "rps"}); ok {
		t.Errorf("static function running at 2: target load %g exported; want none", v)
	}
}

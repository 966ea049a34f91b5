package dashboards

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/controller"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// The "Scale calls" panels (Functions overview: "Scale operations sent to
// the provider per second, by function and result"; Controller health:
// "Scale operations per second across all functions, by result") read
// faas_autoscaler_scale_calls_total. A scale to zero the idler sends to the
// provider (through the actuator, as `run` wires it) is a scale operation
// sent to the provider: it must be counted in the series the panels read,
// or the dashboards never show a function being scaled to zero. The
// actuator counts every write it sends (scaler, idler, pre-warm); only the
// scaler's were counted.
//
// Seen failing before the fix: review46_test.go:86:
// faas_autoscaler_scale_calls_total{function_name="sleepy.openfaas-fn"} = 0
// after the idler scaled it to zero through the provider; want ≥ 1: the
// "Scale calls" panels ("scale operations sent to the provider") never show
// a scale to zero
func TestScaleCallsPanelsCountTheIdlersScaleToZero(t *testing.T) {
	// The panels read this metric, by function_name and result.
	for _, p := range []struct{ file, title string }{
		{"functions-overview.json", "Scale calls"},
		{"controller-health.json", "Scale calls by result"},
	} {
		pj := panelJSONByTitle(t, p.file, p.title)
		if len(pj.Targets) != 1 || !strings.Contains(pj.Targets[0].Expr, "faas_autoscaler_scale_calls_total") {
			t.Fatalf("%s %q no longer reads faas_autoscaler_scale_calls_total: %+v", p.file, p.title, pj.Targets)
		}
	}

	reg := prometheus.NewRegistry()
	mem := memory.New(clock.Real(), memory.Options{})
	src := scalertest.NewSource()
	src.SetActivity(metricsource.Activity{Covered: true}) // covered, no call: provably idle
	ctl, err := controller.New(config.Default(), controller.Wiring{}, controller.Deps{
		Provider: provider.Instrument(mem, reg), Source: src, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "sleepy", Namespace: "openfaas-fn"}
	if err := mem.Deploy(provider.Function{Ref: ref, Replicas: 1, CreatedAt: time.Now().Add(-2 * time.Hour),
		Labels: map[string]string{"com.openfaas.scale.zero": "true"}}); err != nil {
		t.Fatal(err)
	}
	rep := ctl.Idler.RunOnce(context.Background(), time.Now())
	if len(rep.Idled) != 1 {
		v, _ := rep.VerdictOf(ref)
		t.Fatalf("idler did not scale %s to zero (verdict %+v): the test's setup is wrong", ref, v)
	}
	fns, err := mem.Functions(context.Background(), ref.Namespace)
	if err != nil || len(fns) != 1 || fns[0].Replicas != 0 {
		t.Fatalf("provider shows %+v (err %v); want %s at 0 replicas", fns, err, ref)
	}

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var calls float64
	for _, mf := range mfs {
		if mf.GetName() != "faas_autoscaler_scale_calls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "function_name" && lp.GetValue() == ref.String() {
					calls += m.GetCounter().GetValue()
				}
			}
		}
	}
	if calls < 1 {
		t.Errorf("faas_autoscaler_scale_calls_total{function_name=%q} = %v after the idler scaled it to zero through the provider; "+
			"want ≥ 1: the \"Scale calls\" panels (\"scale operations sent to the provider\") never show a scale to zero", ref.String(), calls)
	}
}

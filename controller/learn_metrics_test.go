package controller

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestKeepAliveLearningMetricsSurviveAReload: the assembly exports whether
// the keep-alive learns (its feeder's reads, the idle times and functions
// its policy holds), each family once, and a configuration reload neither
// registers them again nor leaves them reading a policy no longer in use.
func TestKeepAliveLearningMetricsSurviveAReload(t *testing.T) {
	src, err := embedded.New(embedded.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	cfg := testConfig()
	ctl, err := New(cfg, Wiring{}, Deps{Provider: memory.New(clock.Real(), memory.Options{}), Source: src, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	next := cfg
	for i := range 2 {
		next.KeepAlive.ColdStartWorth += time.Second // a key a reload applies
		if restart, err := ctl.Reload(next); err != nil || len(restart) != 0 {
			t.Fatalf("reload %d: restart %v, %v", i, restart, err)
		}
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		ctl.KeepAlive.Observe(ref("timer"), t0.Add(time.Duration(i)*time.Minute))
	}
	ctl.Feeder.RunOnce(t.Context(), t0.Add(3*time.Minute))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"faas_autoscaler_keepalive_idle_times":          2,
		"faas_autoscaler_keepalive_functions":           1,
		"faas_autoscaler_keepalive_reads_total":         1,  // ok or error: the one read
		"faas_autoscaler_keepalive_unknown_steps_total": -1, // whatever the embedded source answered
	}
	seen := map[string]int{}
	for _, mf := range mfs {
		name := mf.GetName()
		if _, ok := want[name]; !ok {
			continue
		}
		seen[name]++
		var sum float64
		for _, m := range mf.GetMetric() {
			sum += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
		if want[name] >= 0 && sum != want[name] {
			t.Errorf("%s = %g after two reloads, want %g", name, sum, want[name])
		}
	}
	for name := range want {
		if seen[name] != 1 {
			t.Errorf("%s exported %d times, want once", name, seen[name])
		}
	}
}

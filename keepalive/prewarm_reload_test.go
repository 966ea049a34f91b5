package keepalive

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestAReloadedZeroDurationReachesThePreWarmer: a reload hands the
// pre-warmer new label defaults (SetDefaults), and their zero-duration is
// the fallback it plans with, as the idler does from the same reload. The
// pre-warmer kept the zero-duration it was built with: its explain showed
// the old keep-alive for a function still learning (with the label's
// fallback as the learning keep-alive), and the idler and the pre-warmer,
// asking with two fallbacks, made each other replan every call.
func TestAReloadedZeroDurationReachesThePreWarmer(t *testing.T) {
	cfg := Default()
	cfg.LearningKeepAlive = -1 // learning: the zero-duration's fallback
	pol, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	prov := memory.New(clock.Real(), memory.Options{})
	ref := provider.Ref{Name: "young", Namespace: "openfaas-fn"}
	prov.Deploy(provider.Function{Ref: ref, Labels: map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "auto"}})
	w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov), Fallback: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	pol.Observe(ref, time.Now())
	explained := func() string {
		t.Helper()
		e, ok := w.Explain(ref)
		if !ok {
			t.Fatal("no explanation for an observed function")
		}
		return e.(Explanation).KeepAlive
	}
	if got := explained(); got != "15m0s" {
		t.Fatalf("keep-alive before the reload %s, want 15m0s", got)
	}
	d := scaler.DefaultDefaults()
	d.ZeroDuration = 5 * time.Minute
	w.SetDefaults(d)
	if got := explained(); got != "5m0s" {
		t.Errorf("keep-alive after a reload to zero_duration 5m: %s, want 5m0s", got)
	}
}

// TestExplainAfterAReload: a reload (SetDefaults) emptied the pre-warmer's
// parsed labels, and its explain section, which shows only functions the
// last pass found asking for the adaptive keep-alive, was empty for every
// function until the next pass (up to prewarm_interval).
func TestExplainAfterAReload(t *testing.T) {
	cfg := Default()
	cfg.LearningKeepAlive = -1 // learning: the zero-duration's fallback
	pol, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	prov := memory.New(clock.Real(), memory.Options{})
	ref := provider.Ref{Name: "auto", Namespace: "openfaas-fn"}
	prov.Deploy(provider.Function{Ref: ref, Replicas: 1, Labels: map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "auto"}})
	w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov), Fallback: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	pol.Observe(ref, time.Now())
	w.RunOnce(t.Context(), time.Now())
	if _, ok := w.Explain(ref); !ok {
		t.Fatal("no explanation after a pass")
	}
	d := scaler.DefaultDefaults()
	d.ZeroDuration = 5 * time.Minute
	w.SetDefaults(d)
	e, ok := w.Explain(ref)
	if !ok {
		t.Fatal("no explanation between a reload and the next pass")
	}
	if got := e.(Explanation).KeepAlive; got != "5m0s" {
		t.Errorf("keep-alive after the reload %s, want the new zero-duration 5m0s", got)
	}
	w.RunOnce(t.Context(), time.Now())
	if _, ok := w.Explain(ref); !ok {
		t.Error("no explanation after the next pass")
	}
}

package controller

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestHistorySizeZeroKeepsNoDecisions: scaler.history_size is documented
// "Recent decisions per function the explain API keeps (0 = none)", and an
// explicit zero stays zero; the explain API still answers for the function,
// with the last decision's count.
// (A LoopConfig's 0 is unset and takes scaler.DefaultHistorySize: the
// controller says scaler.NoHistory.)
//
// Seen failing before the fix (found by a review): history_size_test.go:53:
// scaler.history_size: 0 ("0 = none"): the explain API keeps 1 decisions,
// want 0
func TestHistorySizeZeroKeepsNoDecisions(t *testing.T) {
	cfg := testConfig()
	cfg.Scaler.HistorySize = 0
	if err := cfg.Validate(); err != nil {
		t.Fatalf("history_size 0 must be valid (docs: 0 = none): %v", err)
	}
	mem := memory.New(clock.Real(), memory.Options{})
	r := ref("api")
	if err := mem.Deploy(provider.Function{Ref: r, Replicas: 1, CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	src, err := embedded.New(embedded.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := New(cfg, Wiring{}, Deps{Provider: mem, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 3 {
		if _, err := ctl.Loop.EvaluateNow(context.Background(), r, nil, now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Logf("evaluate: %v", err)
		}
	}
	f, ok := ctl.Loop.Explain(r)
	if !ok {
		t.Fatal("function not known to the scaler")
	}
	if len(f.Decisions) != 0 {
		t.Errorf("scaler.history_size: 0 (\"0 = none\"): the explain API keeps %d decisions, want 0", len(f.Decisions))
	}
	// The loop still remembers its last decision (no data: keep 1), which
	// the desired-replicas reading and the metric show. Seen failing with
	// no record kept at all: desired 0.
	if f.DesiredReplicas != 1 {
		t.Errorf("scaler.history_size: 0: desired replicas %d, want the last decision's 1", f.DesiredReplicas)
	}
}

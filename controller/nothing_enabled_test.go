package controller

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// TestBothOffSaysNothingRuns: with scaler.enabled and idler.enabled both
// false nothing changes replicas, but a term logged "only scale to zero
// runs" at INFO: an operator who turned the scaler off and the idler off
// by mistake was told scale to zero was on.
func TestBothOffSaysNothingRuns(t *testing.T) {
	cfg := testConfig()
	cfg.Scaler.Enabled, cfg.Idler.Enabled = false, false
	var logs bytes.Buffer
	ctl, err := New(cfg, Wiring{}, Deps{Provider: memory.New(clock.Real(), memory.Options{}), Source: scalertest.NewSource(),
		Registerer: prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the term ends at once: only what it says as it starts matters
	ctl.Act(ctx)
	if out := logs.String(); strings.Contains(out, "only scale to zero runs") || !strings.Contains(out, "level=WARN") ||
		!strings.Contains(out, "idler.enabled") {
		t.Errorf("a term with the scaler and the idler off logged:\n%s\nwant a WARN naming scaler.enabled and idler.enabled, not \"only scale to zero runs\"", out)
	}
}

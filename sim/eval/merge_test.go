package eval

import (
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
)

// TestMergeKnative: the KPA's run is merged only when its baseline run is
// the cell's own (same flags reached it), with idle normalised to the cell.
func TestMergeKnative(t *testing.T) {
	cell := func() CellResult {
		return CellResult{Results: []sim.Summary{{Policy: "fixed-10m", ColdStarts: 10, IdleReplicaSec: 200}, {Policy: "faas-autoscaler"}}}
	}
	kpa := sim.Summary{Policy: "knative-kpa", ColdStarts: 30, IdleReplicaSec: 100, IdleNormalised: 0.123}
	same := &report.Document{Baseline: "fixed-10m", Results: []sim.Summary{{Policy: "fixed-10m", ColdStarts: 10, IdleReplicaSec: 200}, kpa}}
	r := cell()
	merge(&r, same, "fixed-10m")
	if len(r.Results) != 3 || r.Results[2].Policy != "knative-kpa" || r.Results[2].IdleNormalised != 0.5 || len(r.Errors) != 0 {
		t.Errorf("merged %+v, errors %v; want knative-kpa at 0.5× idle", r.Results, r.Errors)
	}
	other := &report.Document{Baseline: "fixed-10m", Results: []sim.Summary{{Policy: "fixed-10m", ColdStarts: 11, IdleReplicaSec: 200}, kpa}}
	r = cell()
	merge(&r, other, "fixed-10m")
	if len(r.Results) != 2 || len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "left out, its fixed-10m run differs from this cell's (11 vs 10 cold starts)") {
		t.Errorf("merged %+v, errors %v; want knative-kpa left out with a note", r.Results, r.Errors)
	}
}

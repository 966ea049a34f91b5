package eval

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestJudgeIsEvaluatedOnTheUnroundedFigures: docs/sim.md, "Evaluation
// matrix": "Each inequality is evaluated as written (candidate ≤ bound ×
// baseline); the ratio shown is for reading". sim.Summaries rounds for
// golden files (p75 ratio to 6 digits, idle to 0.1 s), so Run judges a
// cell's results through judgeCell, on the unrounded figures, and only
// prints the rounded ones.
//
// Hand-computed, p75 clause: the baseline's p75 function is cold on 1 call
// in 3 (1/3) and the candidate's on 1 in 6 (1/6). 1/6 ≤ 0.5 × 1/3 holds
// with equality (in float64 too: halving is exact), so the clause is met.
// Rounded: 0.166667 ≤ 0.5 × 0.333333 = 0.1666665 is false.
//
// Idle clause: the candidate idles 1000.04 s against the baseline's 1000 s:
// 1000.04 ≤ 1.0 × 1000 is false, so the clause is not met. Rounded:
// 1000.0 ≤ 1000.0 is true.
func TestJudgeIsEvaluatedOnTheUnroundedFigures(t *testing.T) {
	results := []sim.Result{
		{Policy: "fixed-10m", P75ColdRatio: 1.0 / 3, ColdStarts: 100, IdleReplicaSeconds: 1000, WaitP99: 1},
		{Policy: "faas-autoscaler", P75ColdRatio: 1.0 / 6, ColdStarts: 50, IdleReplicaSeconds: 1000.04, WaitP99: 1},
	}
	// What Run does with a cell's results before judging them.
	v, err := judgeCell(results, nil, "faas-autoscaler", "fixed-10m")
	if err != nil {
		t.Fatal(err)
	}
	if !v.P75Cold.Met {
		t.Errorf("p75 clause not met; want met: 1/6 ≤ 0.5 × 1/3 exactly")
	}
	if v.Idle.Met {
		t.Errorf("idle clause met; want not met: 1000.04 s > 1.0 × 1000 s")
	}
	// The value shown is still rounded for reading.
	if v.P75Cold.Value == nil || *v.P75Cold.Value != 0.5 || v.Idle.Value == nil || *v.Idle.Value != 1 {
		t.Errorf("shown values %v, %v; want 0.5 and 1 (1.00004 to 4 digits)", v.P75Cold.Value, v.Idle.Value)
	}
}

// TestJudgeComparesMergedPeersAtTheirPrecision: a peer run in another
// process (Knative's) is read back rounded, so it is compared with the
// candidate's figures rounded the same way: a peer whose figures equal the
// candidate's once rounded ties and does not dominate, one better after
// rounding does.
//
// Hand-computed: the candidate idles 1000.04 s (1000.0 rounded), p75 1/6
// (0.166667), 50 cold starts. Peer "tie" reads 1000.0 s, 0.166666, 49: its
// idle ties the rounded candidate's (against the unrounded 1000.04 it would
// look better). Peer "better" reads 999.9 s, 0.166666, 49: better on all
// three.
func TestJudgeComparesMergedPeersAtTheirPrecision(t *testing.T) {
	results := []sim.Result{
		{Policy: "fixed-10m", P75ColdRatio: 1.0 / 3, ColdStarts: 100, IdleReplicaSeconds: 2000, WaitP99: 1},
		{Policy: "faas-autoscaler", P75ColdRatio: 1.0 / 6, ColdStarts: 50, IdleReplicaSeconds: 1000.04, WaitP99: 1},
	}
	others := []sim.Summary{
		{Policy: "tie", P75ColdRatio: 0.166666, ColdStarts: 49, IdleReplicaSec: 1000.0},
		{Policy: "better", P75ColdRatio: 0.166666, ColdStarts: 49, IdleReplicaSec: 999.9},
	}
	v, err := judgeCell(results, others, "faas-autoscaler", "fixed-10m")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"better"}, v.DominatedBy); d != "" {
		t.Errorf("dominated by (-want +got):\n%s", d)
	}
	if v.Met {
		t.Error("goal met although a merged peer dominates")
	}
}

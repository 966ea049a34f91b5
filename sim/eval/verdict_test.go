package eval

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

func summary(policy string, p75 float64, cold uint64, idle, wait float64) sim.Summary {
	return sim.Summary{Policy: policy, P75ColdRatio: p75, ColdStarts: cold, IdleReplicaSec: idle, WaitP99: wait}
}

func TestJudgeBounds(t *testing.T) {
	base := summary("fixed-10m", 0.4, 1000, 3600, 0.3)
	tests := []struct {
		name string
		me   sim.Summary
		want [4]bool // p75, cold, idle, wait
	}{
		{"every bound met exactly", summary("me", 0.2, 1000, 3600, 0.8), [4]bool{true, true, true, true}},
		{"p75 just over half", summary("me", 0.2001, 900, 3000, 0.3), [4]bool{false, true, true, true}},
		{"one cold start more", summary("me", 0.1, 1001, 3000, 0.3), [4]bool{true, false, true, true}},
		{"a little more idle", summary("me", 0.1, 900, 3600.1, 0.3), [4]bool{true, true, false, true}},
		{"wait p99 over by more than 0.5 s", summary("me", 0.1, 900, 3000, 0.8001), [4]bool{true, true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Judge([]sim.Summary{base, tc.me}, "me", "fixed-10m")
			if err != nil {
				t.Fatal(err)
			}
			got := [4]bool{v.P75Cold.Met, v.Cold.Met, v.Idle.Met, v.WaitP99.Met}
			if got != tc.want {
				t.Errorf("met = %v, want %v", got, tc.want)
			}
			all := tc.want == [4]bool{true, true, true, true}
			if v.Met != all {
				t.Errorf("goal met = %v, want %v", v.Met, all)
			}
		})
	}
}

func TestJudgeValues(t *testing.T) {
	v, err := Judge([]sim.Summary{summary("b", 0.4, 1000, 3600, 0.3), summary("me", 0.1, 2100, 3420, 1.9)}, "me", "b")
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{*v.P75Cold.Value, *v.Cold.Value, *v.Idle.Value, *v.WaitP99.Value}
	if d := cmp.Diff([]float64{0.25, 2.1, 0.95, 1.6}, got); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
}

// TestJudgeBaselineZero: with a baseline figure of 0 there is no ratio, and
// the inequality holds only for a candidate figure of 0 too.
func TestJudgeBaselineZero(t *testing.T) {
	b := summary("b", 0, 0, 0, 0)
	for _, tc := range []struct {
		me   sim.Summary
		want bool
	}{{summary("me", 0, 0, 0, 0), true}, {summary("me", 0.01, 1, 1, 0), false}} {
		v, err := Judge([]sim.Summary{b, tc.me}, "me", "b")
		if err != nil {
			t.Fatal(err)
		}
		if v.P75Cold.Value != nil || v.Cold.Value != nil || v.Idle.Value != nil {
			t.Error("a ratio to 0 was given a value")
		}
		if v.P75Cold.Met != tc.want || v.Cold.Met != tc.want || v.Idle.Met != tc.want {
			t.Errorf("candidate %+v: met %v %v %v, want %v", tc.me, v.P75Cold.Met, v.Cold.Met, v.Idle.Met, tc.want)
		}
	}
}

// TestJudgeDominance: a peer dominates only when strictly better on all of
// p75 cold ratio, cold starts and idle; a tie or one worse axis is not.
func TestJudgeDominance(t *testing.T) {
	me := summary("me", 0.1, 500, 3000, 0.3)
	ss := []sim.Summary{
		summary("fixed-10m", 0.4, 1000, 3600, 0.3),
		summary("better-on-all", 0.09, 499, 2999, 9),
		summary("tie-on-idle", 0.05, 100, 3000, 0.3),
		summary("tie-on-cold", 0.05, 500, 100, 0.3),
		summary("tie-on-p75", 0.1, 100, 100, 0.3),
		summary("worse-p75", 0.11, 100, 100, 0.3),
		summary("undefined-p75", -1, 100, 100, 0.3),
		me,
	}
	v, err := Judge(ss, "me", "fixed-10m")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"better-on-all"}, v.DominatedBy); d != "" {
		t.Errorf("dominated by (-want +got):\n%s", d)
	}
	if v.Met {
		t.Error("goal met although a peer dominates")
	}
}

func TestJudgeMissingPolicy(t *testing.T) {
	_, err := Judge([]sim.Summary{summary("fixed-10m", 0, 0, 0, 0)}, "faas-autoscaler", "fixed-10m")
	if err == nil || err.Error() != "verdict needs faas-autoscaler and fixed-10m among the results (have fixed-10m)" {
		t.Errorf("err = %v", err)
	}
}

func TestClassOf(t *testing.T) {
	tests := []struct {
		n       uint64
		minutes int
		want    Class
	}{
		{0, 1440, Rare}, {23, 1440, Rare}, {24, 1440, Medium}, {1439, 1440, Medium}, {1440, 1440, Busy},
		// A half day's counts are doubled: 12 calls in 720 minutes is 24 a day.
		{11, 720, Rare}, {12, 720, Medium}, {720, 720, Busy},
	}
	for _, tc := range tests {
		if got := ClassOf(tc.n, tc.minutes); got != tc.want {
			t.Errorf("ClassOf(%d, %d) = %s, want %s", tc.n, tc.minutes, got, tc.want)
		}
	}
}

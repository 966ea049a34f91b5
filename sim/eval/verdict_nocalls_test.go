package eval

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestJudgeWithoutCallsIsNotMet: on a window without a single invocation
// (a held-out trace idle there) the p75 ratio and the wait p99 are not
// defined (-1) for every policy. -1 ≤ 0.5 × -1 held, the wait's
// difference read 0, and the cell counted as "goal met" in the report
// tally on no data at all. Missing is not zero: such a check is not met,
// with no value, and neither is the goal.
func TestJudgeWithoutCallsIsNotMet(t *testing.T) {
	none := func(p string) sim.Summary { return summary(p, -1, 0, 0, -1) }
	v, err := Judge([]sim.Summary{none("fixed-10m"), none("fixed-20m"), none("me")}, "me", "fixed-10m")
	if err != nil {
		t.Fatal(err)
	}
	if v.Met || v.P75Cold.Met || v.WaitP99.Met || v.P75Cold.Value != nil || v.WaitP99.Value != nil {
		t.Errorf("no calls judged: goal met %v, p75 %+v, wait %+v; want not met, no values", v.Met, v.P75Cold, v.WaitP99)
	}
}

package scaler_test

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestStepRuleEvidenceCoversTheGeneratedRepeat: the generated step alert
// counts as firing for StepRuleEvidence after a delivery, and the route
// `rules` generates repeats it every repeat_interval (plus up to one
// group_interval, the tick that sends it). Shorter than two of those, one
// late repeat let CE's alert step beside it (twice the factor's pace).
func TestStepRuleEvidenceCoversTheGeneratedRepeat(t *testing.T) {
	o := rules.DefaultAlertmanagerOptions()
	if need := 2 * o.RepeatInterval; scaler.StepRuleEvidence < need {
		t.Errorf("StepRuleEvidence %v is under twice the generated repeat_interval %v", scaler.StepRuleEvidence, o.RepeatInterval)
	}
	if late := o.RepeatInterval + o.GroupInterval; scaler.StepRuleEvidence <= late {
		t.Errorf("StepRuleEvidence %v does not outlast one repeat sent a group_interval late (%v)", scaler.StepRuleEvidence, late)
	}
}

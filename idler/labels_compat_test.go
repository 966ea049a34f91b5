package idler

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// The idler keeps its own minimal parser of the zero labels (it runs over
// every function each cycle); it must agree with the scaler's full one.
func TestZeroLabelsAgreeWithScaler(t *testing.T) {
	cases := []map[string]string{
		nil,
		{},
		{LabelZero: "true"},
		{LabelZero: " 1 "},
		{LabelZero: "FALSE"},
		{LabelZero: "0", LabelZeroDuration: "5m"},
		{LabelZero: ""},
		{LabelZero: "yes"},
		{LabelZero: "true", LabelZeroDuration: "auto"},
		{LabelZero: "true", LabelZeroDuration: "AUTO"},
		{LabelZero: "true", LabelZeroDuration: "90s"},
		{LabelZero: "true", LabelZeroDuration: "0s"},
		{LabelZero: "true", LabelZeroDuration: "-5m"},
		{LabelZero: "true", LabelZeroDuration: "15"},
	}
	d := scaler.DefaultDefaults()
	for _, labels := range cases {
		fn := provider.Function{Ref: provider.Ref{Name: "f", Namespace: "ns"}, Labels: labels}
		ours, oerr := ParseZeroSpec(fn, d.ZeroDuration)
		theirs, terr := scaler.ParseSpec(fn, d)
		if (oerr != nil) != (terr != nil) {
			t.Errorf("%v: idler err %v, scaler err %v", labels, oerr, terr)
			continue
		}
		if oerr != nil {
			continue
		}
		if ours.OptIn != theirs.Zero || ours.Auto != theirs.ZeroDurationAuto || (!ours.Auto && ours.Duration != theirs.ZeroDuration) {
			t.Errorf("%v: idler %+v, scaler zero=%v auto=%v duration=%s", labels, ours, theirs.Zero, theirs.ZeroDurationAuto, theirs.ZeroDuration)
		}
	}
	if DefaultZeroDuration != d.ZeroDuration {
		t.Errorf("default zero durations differ: idler %s, scaler %s", DefaultZeroDuration, d.ZeroDuration)
	}
}

package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestReview50JSONNamesItsBaseline: `sim --baseline fixed-1h --json F`
// normalises idle replica time to fixed-1h (sim.Normalise, the table's
// "idle vs fixed-1h" column), and the JSON document says baseline
// "fixed-1h"; but each result's field is named
// idle_normalised_to_fixed_10m, so the file states the ratios are to a
// policy they are not to (the CSV's neutral "idle_normalised" does not).
func TestReview50JSONNamesItsBaseline(t *testing.T) {
	ss := []sim.Summary{
		{Policy: "fixed-1h", Invocations: 10, IdleReplicaSec: 7200, IdleNormalised: 1},
		{Policy: "fixed-10m", Invocations: 10, IdleReplicaSec: 1800, IdleNormalised: 0.25},
	}
	var table, js bytes.Buffer
	if err := Table(&table, ss, "fixed-1h"); err != nil {
		t.Fatal(err)
	}
	if err := JSON(&js, Document{Trace: "t", Baseline: "fixed-1h", Results: ss}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "idle vs fixed-1h") {
		t.Fatalf("table header lacks the baseline:\n%s", table.String())
	}
	if strings.Contains(js.String(), "fixed_10m") {
		t.Errorf("JSON of a run normalised to fixed-1h labels its ratios as to fixed-10m (fixed-10m's own row reads 0.25 under \"idle_normalised_to_fixed_10m\"):\n%s", js.String())
	}
	d, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if d.Results[1].IdleNormalised != 0.25 {
		t.Errorf("round trip: %+v", d.Results[1])
	}
}

package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

var sample = []sim.Summary{
	{Policy: "fixed-10m", Invocations: 100, ColdStarts: 10, ColdRatio: 0.1, P75ColdRatio: 0.4, IdleReplicaSec: 3600, IdleNormalised: 1},
	{Policy: "ours", Invocations: 100, ColdStarts: 5, ColdRatio: 0.05, P75ColdRatio: 0.1, IdleReplicaSec: 3000, IdleNormalised: 0.83},
	{Policy: "warm", Invocations: 100, ColdRatio: 0, P75ColdRatio: 0, IdleReplicaSec: 9000, IdleNormalised: 2.5},
	{Policy: "bad", Invocations: 100, ColdStarts: 50, ColdRatio: 0.5, P75ColdRatio: 0.6, IdleReplicaSec: 5000, IdleNormalised: 1.4},
}

func TestFrontier(t *testing.T) {
	got := []string{}
	for _, s := range frontier(sample, func(s sim.Summary) float64 { return s.IdleNormalised }) {
		got = append(got, s.Policy)
	}
	if strings.Join(got, ",") != "ours,warm" {
		t.Errorf("frontier = %v, want ours,warm (fixed-10m and bad are dominated by ours)", got)
	}
}

func TestRenderings(t *testing.T) {
	tests := []struct {
		name   string
		render func(*bytes.Buffer) error
		svg    bool
		want   []string
	}{
		{"table", func(b *bytes.Buffer) error { return Table(b, sample, "fixed-10m") }, false,
			[]string{"p75 fn cold ratio", "idle vs fixed-10m", "0.83×", "0.1000"}},
		{"csv", func(b *bytes.Buffer) error { return CSV(b, sample) }, false,
			[]string{"policy,invocations,cold_starts", "ours,100,5,0,0.05,0.1,3000,0.83"}},
		{"pareto", func(b *bytes.Buffer) error { return Pareto(b, sample, "fixed-10m") }, true,
			[]string{"relative to fixed-10m", "Shahrad", "<polyline"}},
		{"timeline", func(b *bytes.Buffer) error {
			return Timeline(b, "f", []sim.Result{{Policy: "ours", Timeline: []sim.TimelinePoint{{T: 0, Desired: 1}, {T: 600, Desired: 3, Load: 20}, {T: 1200}}}}, 3600, "")
		}, true, []string{"Replicas over time", "ours"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.render(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			if tc.svg {
				if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
					t.Errorf("not well-formed: %v", err)
				}
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, Document{Trace: "t", Baseline: "fixed-10m", Results: sample}); err != nil {
		t.Fatal(err)
	}
	d, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if d.Attribution != Attribution || len(d.Results) != len(sample) || d.Results[1] != sample[1] {
		t.Errorf("round trip lost data: %+v", d)
	}
}

package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestAttributionNamesWhatWasReplayed: a run on a day of the Azure 2019
// dataset as Azure publishes it cites the trace, not vhive-serverless/
// invitro, which did not re-publish that day (it said "via invitro" for
// every run), nor the 2021 trace it did not replay; a run on a trace folder
// of invitro's layout (the samples in shared/) still names invitro, in the
// table's lines and in the charts' footers.
func TestAttributionNamesWhatWasReplayed(t *testing.T) {
	for _, c := range []struct {
		source      string
		wantInvitro bool
	}{
		{filepath.Join("..", "trace", "testdata", "dataset", "oneday"), false},
		{filepath.Join("..", "testdata", "small"), true},
	} {
		cells := []Cell{{Trace: "t", Source: c.source, Setting: "s3", Minutes: 5, Seed: 3, Concurrency: 10, Arrivals: trace.Uniform, Tag: Report}}
		o := Options{
			Policies: func() ([]sim.Policy, error) {
				return []sim.Policy{peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}, peers.FixedKeepAlive{KeepAlive: 20 * time.Minute}}, nil
			},
			Candidate: "fixed-20m", Baseline: "fixed-10m", Config: sim.DefaultConfig(), Parallel: 1, Open: trace.Load,
		}
		rs, err := Run(cells, o)
		if err != nil {
			t.Fatal(err)
		}
		d := NewDocument(rs, o)
		lines := strings.Join(d.Attribution, "\n")
		if !strings.Contains(lines, "Shahrad et al.") || strings.Contains(lines, "Zhang et al.") {
			t.Errorf("%s: attribution %q: want the 2019 trace's alone", c.source, lines)
		}
		if got := strings.Contains(lines, "invitro"); got != c.wantInvitro {
			t.Errorf("%s: attribution names invitro: %v, want %v: %q", c.source, got, c.wantInvitro, lines)
		}
		dir := t.TempDir()
		if err := WriteCharts(dir, d); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"pareto-t.svg", "classes-t.svg"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(b), "invitro"); got != c.wantInvitro {
				t.Errorf("%s: %s names invitro: %v, want %v", c.source, f, got, c.wantInvitro)
			}
		}
	}
}

package eval

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// tiny is a small matrix on the simulator's test trace: two windows (one
// tune, one report) and a synthetic cell. The candidate is the hybrid
// histogram, so the golden files pin the matrix's shape and arithmetic, not
// faas-autoscaler's policy, which changes on its own.
func tiny(parallel int) ([]CellResult, Options, error) {
	const small = "../testdata/small"
	cells := []Cell{
		{Trace: "small", Source: small, Setting: "first 30 min", Minutes: 30, Seed: 1, Concurrency: 10, Arrivals: trace.Uniform, Tag: Tune},
		{Trace: "small", Source: small, Setting: "from 30, c1 burst", FromMinute: 30, Seed: 3, Concurrency: 1, Arrivals: trace.Burst, Tag: Report},
		{Trace: "synth-rare", Source: "synth:rare@3", Setting: "gen s3", Minutes: 240, Seed: 3, Concurrency: 10, Arrivals: trace.Uniform, Tag: Report},
	}
	o := Options{
		Policies: func() ([]sim.Policy, error) {
			return []sim.Policy{peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}, peers.FixedKeepAlive{KeepAlive: 20 * time.Minute},
				peers.DefaultHybrid(), peers.DefaultKEDA()}, nil
		},
		Candidate: "hybrid-histogram", Baseline: "fixed-10m", Config: sim.DefaultConfig(), Parallel: parallel,
	}
	rs, err := Run(cells, o)
	for i := range rs {
		rs[i].Seconds = nil // wall time varies
	}
	return rs, o, err
}

func TestGoldenOutputs(t *testing.T) {
	rs, o, err := tiny(2)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDocument(rs, o)
	for _, f := range []struct {
		name   string
		render func(*bytes.Buffer, Document) error
	}{
		{"tiny.golden.json", func(b *bytes.Buffer, d Document) error { return JSON(b, d) }},
		{"tiny.golden.csv", func(b *bytes.Buffer, d Document) error { return CSV(b, d) }},
		{"tiny-classes.golden.csv", func(b *bytes.Buffer, d Document) error { return ClassCSV(b, d) }},
		{"tiny-table.golden.txt", func(b *bytes.Buffer, d Document) error {
			if err := Table(b, d); err != nil {
				return err
			}
			return ClassTable(b, d)
		}},
	} {
		var got bytes.Buffer
		if err := f.render(&got, d); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", f.name)
		if *update {
			if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), got.String()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
}

// TestRunDoesNotDependOnParallelism: cells are independent replays.
func TestRunDoesNotDependOnParallelism(t *testing.T) {
	a, _, err := tiny(1)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := tiny(3)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("1 vs 3 at once (-1 +3):\n%s", d)
	}
}

// TestBreakdownAddsUp: the classes partition the functions, so each
// policy's class rows sum to its totals.
func TestBreakdownAddsUp(t *testing.T) {
	rs, _, err := tiny(2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rs {
		for _, s := range c.Results {
			var fns int
			var calls, cold uint64
			var idle float64
			for _, r := range c.Classes {
				if r.Policy == s.Policy {
					fns, calls, cold, idle = fns+r.Functions, calls+r.Invocations, cold+r.ColdStarts, idle+r.IdleReplica
				}
			}
			if fns != c.Functions || calls != s.Invocations || cold != s.ColdStarts || idle-s.IdleReplicaSec > 0.5 || s.IdleReplicaSec-idle > 0.5 {
				t.Errorf("%s %s: classes sum to %d fns, %d calls, %d cold, %.1f idle; totals %d, %d, %d, %.1f",
					c.Name(), s.Policy, fns, calls, cold, idle, c.Functions, s.Invocations, s.ColdStarts, s.IdleReplicaSec)
			}
		}
	}
}

// TestMatrixFollowsTheProtocol: a report cell touches nothing parameters
// may be tuned on — no first-half minute of the 200-function day, no tuning
// seed, no synthetic trace generated at the tuning seed.
func TestMatrixFollowsTheProtocol(t *testing.T) {
	cells := Matrix(DefaultSources("traces"))
	names := map[string]bool{}
	var tags = map[Tag]int{}
	for _, c := range cells {
		if names[c.Name()] {
			t.Errorf("two cells named %s", c.Name())
		}
		names[c.Name()] = true
		tags[c.Tag]++
		tuned := c.Seed == 1 || c.Seed == 2 || c.Source == "synth:"+strings.TrimPrefix(c.Trace, "synth-")+"@1" ||
			(c.Trace == "azure2019-200fn" && c.FromMinute < halfDay)
		if c.Tag == Report && tuned {
			t.Errorf("%s is a report cell on tuning data", c.Name())
		}
		if c.Tag == Tune && !tuned {
			t.Errorf("%s is tagged tune but touches no tuning data", c.Name())
		}
	}
	if tags[Tune] == 0 || tags[Report] == 0 {
		t.Errorf("tags %v: want both", tags)
	}
	if len(cells) != 24 {
		t.Errorf("%d cells, want 24 (10 of the 200-function day, 3 + 3 samples, 4 synthetic × 2)", len(cells))
	}
}

// TestHeldOutCellsAreReportCells: a held-out trace gets the samples' three
// settings at the report seed, and a day-long one, as the 200-function day,
// the other two seeds and its two halves too, each from a fresh state;
// nothing on it is tune, whatever the seed.
func TestHeldOutCellsAreReportCells(t *testing.T) {
	src := Sources{HeldOut: []HeldOut{{Name: "short", Source: "s", Minutes: 1439}, {Name: "day", Source: "d", Minutes: 1440}}}
	var got []string
	for _, c := range Matrix(src) {
		if strings.HasPrefix(c.Trace, "synth-") {
			continue
		}
		if c.Tag != Report {
			t.Errorf("%s: tag %s", c.Name(), c.Tag)
		}
		got = append(got, fmt.Sprintf("%s %d+%d s%d c%d %s", c.Name(), c.FromMinute, c.Minutes, c.Seed, c.Concurrency, c.Arrivals))
	}
	want := []string{
		"short / s3 c10 uniform 0+0 s3 c10 uniform", "short / s3 c1 uniform 0+0 s3 c1 uniform", "short / s3 c10 burst 0+0 s3 c10 burst",
		"day / s3 c10 uniform 0+0 s3 c10 uniform", "day / s3 c1 uniform 0+0 s3 c1 uniform", "day / s3 c10 burst 0+0 s3 c10 burst",
		"day / s1 c10 uniform 0+0 s1 c10 uniform", "day / s2 c10 uniform 0+0 s2 c10 uniform",
		"day / half1 s3 c10 uniform 0+720 s3 c10 uniform", "day / half2 s3 c10 uniform 720+0 s3 c10 uniform",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestRunErrorsNameTheCell(t *testing.T) {
	_, o, _ := tiny(1)
	_, err := Run([]Cell{{Trace: "gone", Source: "testdata/no-such-trace", Setting: "x", Seed: 1, Concurrency: 1, Arrivals: trace.Uniform}}, o)
	if err == nil || !strings.HasPrefix(err.Error(), "cell gone / x: ") {
		t.Errorf("err = %v", err)
	}
	_, err = Run([]Cell{{Trace: "small", Source: "../testdata/small", Setting: "late", FromMinute: 100000, Seed: 1, Concurrency: 1, Arrivals: trace.Uniform}}, o)
	if err == nil || !strings.Contains(err.Error(), "cell small / late: from-minute = 100000") {
		t.Errorf("err = %v", err)
	}
}

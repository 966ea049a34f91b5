package eval

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
)

// writeDays writes a held-out trace of days days in the Azure 2021
// per-invocation schema (the published trace's, 14 days long) into
// dir/azure2021: on day d (from 0), f1 is called d+1 times at minute 10
// and f2 10×(d+1) times at minute 800 (the day's second half); f1 once
// more in the trace's last minute, so it spans exactly days×1440 minutes.
func writeDays(t *testing.T, dir string, days int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("app,func,end_timestamp,duration\n")
	call := func(fn string, minute, n int) {
		for range n {
			fmt.Fprintf(&b, "a1,%s,%d.5,0.1\n", fn, minute*60)
		}
	}
	for d := range days {
		call("f1", d*1440+10, d+1)
		call("f2", d*1440+800, 10*(d+1))
	}
	call("f1", days*1440-1, 1)
	src := filepath.Join(dir, "azure2021")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "AzureFunctionsInvocationTrace2021.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return src
}

// heldOutWindows lists the held-out cells of Matrix as "name from+minutes".
func heldOutWindows(hs []HeldOut) []string {
	var got []string
	for _, c := range Matrix(Sources{HeldOut: hs}) {
		if !strings.HasPrefix(c.Trace, "synth-") {
			got = append(got, fmt.Sprintf("%s %d+%d", c.Name(), c.FromMinute, c.Minutes))
		}
	}
	return got
}

// TestLongHeldOutTraceIsReplayedOnItsFirstDay: a held-out trace longer
// than maxMinutes (the Azure 2021 trace is 14 days) is replayed on its
// first maxMinutes minutes only: labelled so (TRACE-day1), each cell's
// window inside that day (the halves are 0-719 and 720-1439, not 720 to
// the end of the trace), and the replay counts that day's calls alone.
// Without the bound the second half of a 14-day trace was 13.5 days.
func TestLongHeldOutTraceIsReplayedOnItsFirstDay(t *testing.T) {
	src := writeDays(t, t.TempDir(), 3)
	hs, err := FindHeldOut("", []string{src}, 0, 1440)
	if err != nil {
		t.Fatal(err)
	}
	want := []HeldOut{{Name: "azure2021-day1", Source: src, Minutes: 3 * 1440, Functions: 2, FirstMinutes: 1440}}
	if d := cmp.Diff(want, hs, cmpopts.IgnoreUnexported(HeldOut{})); d != "" {
		t.Fatal(d)
	}
	wantCells := []string{
		"azure2021-day1 / s3 c10 uniform 0+1440", "azure2021-day1 / s3 c1 uniform 0+1440", "azure2021-day1 / s3 c10 burst 0+1440",
		"azure2021-day1 / s1 c10 uniform 0+1440", "azure2021-day1 / s2 c10 uniform 0+1440",
		"azure2021-day1 / half1 s3 c10 uniform 0+720", "azure2021-day1 / half2 s3 c10 uniform 720+720",
	}
	if d := cmp.Diff(wantCells, heldOutWindows(hs)); d != "" {
		t.Fatal(d)
	}

	var cells []Cell
	for _, c := range Matrix(Sources{HeldOut: hs}) {
		if c.Trace == hs[0].Name {
			cells = append(cells, c)
		}
	}
	rs, err := Run(cells, Options{
		Policies: func() ([]sim.Policy, error) {
			return []sim.Policy{peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}, peers.FixedKeepAlive{KeepAlive: 20 * time.Minute}}, nil
		},
		Candidate: "fixed-20m", Baseline: "fixed-10m", Config: sim.DefaultConfig(), Open: Opener(hs, synth.Open),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%s: minutes %d-%d, %d calls, first %d", r.Name(), r.FromMinute, r.FromMinute+r.ReplayedMinutes-1, r.Invocations, r.FirstMinutes))
	}
	// Day 0: f1 once at minute 10, f2 ten times at minute 800.
	wantRuns := []string{
		"azure2021-day1 / s3 c10 uniform: minutes 0-1439, 11 calls, first 1440",
		"azure2021-day1 / s3 c1 uniform: minutes 0-1439, 11 calls, first 1440",
		"azure2021-day1 / s3 c10 burst: minutes 0-1439, 11 calls, first 1440",
		"azure2021-day1 / s1 c10 uniform: minutes 0-1439, 11 calls, first 1440",
		"azure2021-day1 / s2 c10 uniform: minutes 0-1439, 11 calls, first 1440",
		"azure2021-day1 / half1 s3 c10 uniform: minutes 0-719, 1 calls, first 1440",
		"azure2021-day1 / half2 s3 c10 uniform: minutes 720-1439, 10 calls, first 1440",
	}
	if d := cmp.Diff(wantRuns, got); d != "" {
		t.Error(d)
	}
	// The JSON says what was replayed: the window and the bound.
	var js bytes.Buffer
	if err := JSON(&js, NewDocument(rs[len(rs)-1:], Options{})); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"from_minute": 720`, `"minutes": 720`, `"first_minutes": 1440`, `"replayed_minutes": 720`} {
		if !strings.Contains(js.String(), w) {
			t.Errorf("eval.json lacks %s:\n%s", w, js.String())
		}
	}
}

// TestMaxMinutesLabelsAndLimits: 0 keeps the whole trace (under its own
// name, cells to its end); a trace of exactly the bound is unchanged; the
// label combines with the sample's and says other bounds in days or
// minutes; a shorter bound than a day leaves no halves; a negative bound is
// an error.
func TestMaxMinutesLabelsAndLimits(t *testing.T) {
	tmp := t.TempDir()
	three := writeDays(t, filepath.Join(tmp, "three"), 3)
	one := writeDays(t, filepath.Join(tmp, "one"), 1)
	tests := []struct {
		name                     string
		src                      string
		maxFunctions, maxMinutes int
		want                     HeldOut
		cells                    []string // the first and last cell
	}{
		{"0 keeps the whole trace", three, 0, 0, HeldOut{Name: "azure2021", Minutes: 4320, Functions: 2},
			[]string{"azure2021 / s3 c10 uniform 0+0", "azure2021 / half2 s3 c10 uniform 720+0"}},
		{"a day's trace is unchanged", one, 0, 1440, HeldOut{Name: "azure2021", Minutes: 1440, Functions: 2},
			[]string{"azure2021 / s3 c10 uniform 0+0", "azure2021 / half2 s3 c10 uniform 720+0"}},
		{"with the sample's label", three, 1, 1440, HeldOut{Name: "azure2021-sample1-day1", Minutes: 4320, Functions: 2, Sample: 1, FirstMinutes: 1440},
			[]string{"azure2021-sample1-day1 / s3 c10 uniform 0+1440", "azure2021-sample1-day1 / half2 s3 c10 uniform 720+720"}},
		{"two days", three, 0, 2880, HeldOut{Name: "azure2021-days1-2", Minutes: 4320, Functions: 2, FirstMinutes: 2880},
			[]string{"azure2021-days1-2 / s3 c10 uniform 0+2880", "azure2021-days1-2 / half2 s3 c10 uniform 720+2160"}},
		{"under a day", three, 0, 90, HeldOut{Name: "azure2021-first90min", Minutes: 4320, Functions: 2, FirstMinutes: 90},
			[]string{"azure2021-first90min / s3 c10 uniform 0+90", "azure2021-first90min / s3 c10 burst 0+90"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs, err := FindHeldOut("", []string{tc.src}, tc.maxFunctions, tc.maxMinutes)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Source = tc.src
			if d := cmp.Diff([]HeldOut{tc.want}, hs, cmpopts.IgnoreUnexported(HeldOut{})); d != "" {
				t.Fatal(d)
			}
			cells := heldOutWindows(hs)
			if got := []string{cells[0], cells[len(cells)-1]}; !cmp.Equal(tc.cells, got) {
				t.Errorf("first and last cells %q, want %q", got, tc.cells)
			}
		})
	}
	// The testdata day (1440 minutes) too: the default bound changes nothing.
	root := filepath.Join("testdata", "heldout")
	whole, err := FindHeldOut(root, nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	bounded, err := FindHeldOut(root, nil, 0, 1440)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(whole, bounded, cmpopts.IgnoreUnexported(HeldOut{})); d != "" {
		t.Error(d)
	}
	if _, err := FindHeldOut(root, nil, 0, -1); err == nil || !strings.Contains(err.Error(), "minutes") {
		t.Errorf("a negative bound: err = %v", err)
	}
}

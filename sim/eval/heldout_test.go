package eval

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// FindHeldOut takes every trace folder under the root but the three named
// samples, skips folders without a CSV file, then the extra ones given, and
// reads each one's length.
func TestFindHeldOut(t *testing.T) {
	root := filepath.Join("testdata", "heldout")
	day := filepath.Join("..", "trace", "testdata", "dataset", "twodays", "invocations_per_function_md.anon.d02.csv")
	got, err := FindHeldOut(root, []string{day}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []HeldOut{
		{Name: "day", Source: filepath.Join(root, "day"), Minutes: 1440, Functions: 2},
		{Name: "mine", Source: filepath.Join(root, "mine"), Minutes: 3, Functions: 1},
		{Name: "twodays-d02", Source: day, Minutes: 3, Functions: 2},
	}
	if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(HeldOut{})); d != "" {
		t.Error(d)
	}
	// A root that does not exist holds no held-out trace (the extra ones
	// still count): the matrix runs on what is there.
	if got, err := FindHeldOut(filepath.Join("testdata", "no-such-folder"), nil, 0, 0); err != nil || len(got) != 0 {
		t.Errorf("missing root: %v, %v", got, err)
	}
}

// TestLargeHeldOutTracesAreSampled: a held-out trace of more functions than
// the limit gets a label saying it is sampled, each of its cells replays
// that many of its functions (the same ones in every cell), and a trace
// within the limit is replayed whole.
func TestLargeHeldOutTracesAreSampled(t *testing.T) {
	root := filepath.Join("testdata", "heldout")
	hs, err := FindHeldOut(root, nil, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []HeldOut{
		{Name: "day-sample1", Source: filepath.Join(root, "day"), Minutes: 1440, Functions: 2, Sample: 1},
		{Name: "mine", Source: filepath.Join(root, "mine"), Minutes: 3, Functions: 1},
	}
	if d := cmp.Diff(want, hs, cmpopts.IgnoreUnexported(HeldOut{})); d != "" {
		t.Fatal(d)
	}
	cells := Matrix(Sources{HeldOut: hs})
	traces, err := loadAll(cells, synth.Open)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cells {
		tr := traces[traceKey(c)]
		switch c.Trace {
		case "day-sample1":
			if c.Sample != 1 || len(tr.Functions) != 1 {
				t.Fatalf("%s: sample %d, %d functions replayed, want 1", c.Name(), c.Sample, len(tr.Functions))
			}
			ids = append(ids, tr.Functions[0].ID)
		case "mine":
			if c.Sample != 0 || len(tr.Functions) != 1 {
				t.Fatalf("%s: sample %d, %d functions replayed, want the whole trace", c.Name(), c.Sample, len(tr.Functions))
			}
		}
	}
	if len(ids) != 7 || len(slices.Compact(slices.Clone(ids))) != 1 {
		t.Errorf("the sampled day's 7 cells replayed %v, want one function, the same in each", ids)
	}
	if _, err := FindHeldOut(root, nil, -1, 0); err == nil {
		t.Error("a negative limit is not an error")
	}
}

func TestFindHeldOutErrorsNameTheTrace(t *testing.T) {
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "inv.csv"), []byte("HashFunction,HashApp,HashOwner,minute_1\nf,a,o,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join("testdata", "heldout", "mine")
	// named copies mine into a folder of that name.
	named := func(name string) string {
		dir := filepath.Join(t.TempDir(), name)
		b, err := os.ReadFile(filepath.Join(mine, "inv.csv"))
		if err == nil {
			err = os.Mkdir(dir, 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "inv.csv"), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tests := []struct {
		name  string
		extra []string
		want  []string
	}{
		{"a trace that does not parse", []string{bad}, []string{"held-out trace " + bad, "inv.csv:2"}},
		{"two traces of one name", []string{mine, named("mine")}, []string{"are both named mine", "rename one"}},
		{"a sample's label", []string{named("azure2019-200fn")}, []string{"is named azure2019-200fn, as one of the matrix's own"}},
		{"a synthetic trace's label", []string{named("synth-rare")}, []string{"is named synth-rare, as one of the matrix's own"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FindHeldOut("", tc.extra, 0, 0)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestOpenerReadsAHeldOutTraceOnce: the cells' loading gets the trace
// FindHeldOut read, not a second read of the same source, and only once
// (then it is forgotten, so the whole trace does not outlive its sample);
// other sources, and a source asked for again, go to the fallback.
func TestOpenerReadsAHeldOutTraceOnce(t *testing.T) {
	root := filepath.Join("testdata", "heldout")
	hs, err := FindHeldOut(root, nil, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var opened []string
	open := Opener(hs, func(src string) (*trace.Trace, error) {
		opened = append(opened, src)
		return synth.Open(src)
	})
	var cells []Cell // the held-out traces' cells (the matrix adds the synthetic ones)
	for _, c := range Matrix(Sources{HeldOut: hs}) {
		if !strings.HasPrefix(c.Source, "synth:") {
			cells = append(cells, c)
		}
	}
	traces, err := loadAll(cells, open)
	if err != nil {
		t.Fatal(err)
	}
	if len(opened) != 0 {
		t.Errorf("read %v again; FindHeldOut had read them", opened)
	}
	if len(traces) != len(hs) {
		t.Errorf("%d traces loaded for %d held-out traces", len(traces), len(hs))
	}
	if _, err := open(hs[0].Source); err != nil || !slices.Equal(opened, []string{hs[0].Source}) {
		t.Errorf("asked again for %s: read %v (err %v), want it read by the fallback", hs[0].Source, opened, err)
	}
	if _, err := open("synth:rare@1"); err != nil || len(opened) != 2 {
		t.Errorf("a source FindHeldOut did not read: opened %v, err %v", opened, err)
	}
}

package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSelectionLoadsOnlyWhatItReplays: every held-out cell is a report
// cell, so a --tag tune run replays none of them; it loaded them all
// anyway (a day of the dataset takes seconds and hundreds of MB), and one
// that could not be read stopped a run that would never replay it. Nor
// does --only load a held-out trace none of whose cells it can keep. A run
// that does replay one still reads it first and names it when it fails.
func TestSelectionLoadsOnlyWhatItReplays(t *testing.T) {
	root := t.TempDir()
	bad := filepath.Join(root, "broken")
	if err := os.Mkdir(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "invocations.csv"), []byte("HashFunction,1\nf1,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sel     Selection
		wantErr bool
	}{
		{Selection{Tag: "tune"}, false},
		{Selection{Tag: "all", Only: "synth-rare"}, false},
		{Selection{Tag: "report", Only: "synth-"}, false},
		{Selection{Tag: "report"}, true},
		{Selection{Tag: "all", Only: "broken-sample5 / s3 c1"}, true},
		{Selection{Tag: "all", Only: "/ half2 s3 c10 uniform"}, true},
	} {
		cells, held, err := SelectCells(Sources{}, root, nil, 5, 1440, c.sel)
		if c.wantErr {
			if err == nil || !strings.Contains(err.Error(), "held-out trace "+bad+": ") {
				t.Errorf("%+v: error %v, want one naming %s", c.sel, err, bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", c.sel, err)
			continue
		}
		if len(held) != 0 || len(cells) == 0 {
			t.Errorf("%+v: %d cells, %d held-out traces; want some cells and no held-out trace", c.sel, len(cells), len(held))
		}
		for _, cell := range cells {
			if !c.sel.Keep(cell) {
				t.Errorf("%+v: kept %s (%s)", c.sel, cell.Name(), cell.Tag)
			}
		}
	}
}

// TestHeldOutSaysWhatItMerged: a held-out day with a function on two rows
// loads, and its HeldOut carries the one line sim-eval prints about it.
func TestHeldOutSaysWhatItMerged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "day")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	inv := "HashOwner,HashApp,HashFunction,Trigger,1,2\no1,a1,f1,http,1,0\no1,a1,f1,http,0,2\n"
	if err := os.WriteFile(filepath.Join(dir, "invocations_per_function_md.anon.d09.csv"), []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	hs, err := FindHeldOut("", []string{dir}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "trace " + dir + ": 1 function on two or more rows merged (invocations_per_function_md.anon.d09.csv: f1, counts summed)"
	if len(hs) != 1 || hs[0].Note != want || hs[0].Functions != 1 {
		t.Errorf("held out %+v, want 1 function and note %q", hs, want)
	}
}

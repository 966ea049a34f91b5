package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FindHeldOut takes every trace folder under the root but the three named
// samples, skips folders without a CSV file, then the extra ones given, and
// reads each one's length.
func TestFindHeldOut(t *testing.T) {
	root := filepath.Join("testdata", "heldout")
	day := filepath.Join("..", "trace", "testdata", "dataset", "twodays", "invocations_per_function_md.anon.d02.csv")
	got, err := FindHeldOut(root, []string{day})
	if err != nil {
		t.Fatal(err)
	}
	want := []HeldOut{
		{Name: "day", Source: filepath.Join(root, "day"), Minutes: 1440},
		{Name: "mine", Source: filepath.Join(root, "mine"), Minutes: 3},
		{Name: "twodays-d02", Source: day, Minutes: 3},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
	// A root that does not exist holds no held-out trace (the extra ones
	// still count): the matrix runs on what is there.
	if got, err := FindHeldOut(filepath.Join("testdata", "no-such-folder"), nil); err != nil || len(got) != 0 {
		t.Errorf("missing root: %v, %v", got, err)
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
		{"two traces of one name", []string{mine, mine}, []string{"are both named mine", "rename one"}},
		{"a sample's label", []string{named("azure2019-200fn")}, []string{"is named azure2019-200fn, as one of the matrix's own"}},
		{"a synthetic trace's label", []string{named("synth-rare")}, []string{"is named synth-rare, as one of the matrix's own"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FindHeldOut("", tc.extra)
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

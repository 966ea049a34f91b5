package trace

import (
	"path/filepath"
	"testing"
)

// TestLayoutSaysWhoseFiles: a day of the dataset under its own names is
// Azure's layout; a trace folder (the samples vhive-serverless/invitro
// re-publishes, in either column order) is invitro's, and so is a day in
// invitro's column order. Attribution reads it (sim/eval).
func TestLayoutSaysWhoseFiles(t *testing.T) {
	for _, c := range []struct {
		path string
		want Layout
	}{
		{filepath.Join("testdata", "dataset", "oneday"), LayoutDataset},
		{filepath.Join("testdata", "dataset", "twodays", "invocations_per_function_md.anon.d01.csv"), LayoutDataset},
		{filepath.Join("testdata", "original"), LayoutInvitro},
		{filepath.Join("testdata", "rewritten"), LayoutInvitro},
		{filepath.Join("testdata", "log2021"), ""},
	} {
		tr, err := Load(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Layout != c.want {
			t.Errorf("%s: layout %q, want %q", c.path, tr.Layout, c.want)
		}
		if s := tr.Sample(1, 1); s.Layout != c.want {
			t.Errorf("%s: a sample's layout %q, want %q", c.path, s.Layout, c.want)
		}
	}
}

package trace

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The 2019 dataset as downloaded names its files by day; a folder holding
// one day loads as it is, one day of several by its invocations file, and
// each day joins its own durations and memory files.
func TestLoadDatasetDays(t *testing.T) {
	twoDays := filepath.Join("testdata", "dataset", "twodays")
	tests := []struct {
		name, path string
		ids        []string
		minutes    int
		durations  []bool
		memory     []float64
	}{
		{name: "a folder holding one day", path: filepath.Join("testdata", "dataset", "oneday"),
			ids: []string{"f1", "f2", "f3"}, minutes: 5, durations: []bool{true, true, false}, memory: []float64{192, 192, 64}},
		{name: "a day's file, durations beside it", path: filepath.Join(twoDays, "invocations_per_function_md.anon.d01.csv"),
			ids: []string{"f1", "f2", "f3"}, minutes: 5, durations: []bool{true, true, false}, memory: []float64{0, 0, 0}},
		{name: "a day's file, nothing beside it for that day", path: filepath.Join(twoDays, "invocations_per_function_md.anon.d02.csv"),
			ids: []string{"g1", "g2"}, minutes: 3, durations: []bool{false, false}, memory: []float64{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Load(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Format != Azure2019 || tr.Minutes != tc.minutes || tr.Dir != tc.path {
				t.Errorf("format %s, minutes %d, dir %s; want %s, %d, %s", tr.Format, tr.Minutes, tr.Dir, Azure2019, tc.minutes, tc.path)
			}
			var ids []string
			var dur []bool
			var mem []float64
			for _, f := range tr.Functions {
				ids, dur, mem = append(ids, f.ID), append(dur, f.Duration != nil), append(mem, f.MemoryMB)
			}
			for _, d := range []string{cmp.Diff(tc.ids, ids), cmp.Diff(tc.durations, dur), cmp.Diff(tc.memory, mem)} {
				if d != "" {
					t.Error(d)
				}
			}
		})
	}
}

func TestLoadDatasetNeedsOneDay(t *testing.T) {
	tests := []struct {
		name, path string
		want       []string
	}{
		{name: "a folder of several days", path: filepath.Join("testdata", "dataset", "twodays"),
			want: []string{"2 days", "d01, d02", "pass one day's invocations file", "invocations_per_function_md.anon.d01.csv"}},
		{name: "a file that is not a day's invocations", path: filepath.Join("testdata", "original", "durations.csv"),
			want: []string{"durations.csv", "not a trace folder", "invocations_per_function_md.anon.dNN.csv"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.path)
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

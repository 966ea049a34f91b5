package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestSimTimelineFunctionTakesADigitHashPrefix: --timeline-function is
// "an index, or a prefix of its hash" (docs/sim.md). A hex hash prefix
// made only of digits was read as an index and refused as out of range,
// though it names one function unambiguously: 3 of the 200-function day's
// functions have 8-character prefixes of digits alone (53141659…,
// 57544390853…, 21705605…).
// Seen failing before the fix: "--timeline-function 53141659: the trace
// has functions 0..199".
func TestSimTimelineFunctionTakesADigitHashPrefix(t *testing.T) {
	day := filepath.Join("..", "..", "..", "shared", "traces", "azure2019-invitro-200fn")
	testenv.NeedPath(t, day, "the shared traces live in ../shared/traces beside the repository")
	tr, err := trace.Load(day)
	if err != nil {
		t.Fatal(err)
	}
	i, _, err := simFindFunction(tr, "53141659")
	if err != nil {
		t.Fatalf("--timeline-function 53141659: %v", err)
	}
	if !strings.HasPrefix(tr.Functions[i].ID, "53141659") {
		t.Errorf("--timeline-function 53141659 found %s", tr.Functions[i].ID)
	}
}

// TestSimFindFunction: a number in range is an index, even when it is a
// prefix of hashes too (said in a note); any other key is a hash prefix,
// numbers out of range included; none or several matches are errors
// naming the flag.
// Seen failing before the fix (its logic put back behind the new
// signature): 12345, 12, 77 and -1 all got "--timeline-function N: the
// trace has functions 0..5", and an index gave no note.
func TestSimFindFunction(t *testing.T) {
	tr := &trace.Trace{Functions: []trace.Function{
		{ID: "12345abc"}, {ID: "1f00"}, {ID: "12ab"}, {ID: "3d9d"}, {ID: "0e0e"}, {ID: "9d9d"},
	}}
	for _, tc := range []struct {
		name, key string
		want      int
		note, err string // substrings; "" when none
	}{
		{"index", "4", 4, "", ""},
		{"index that is also a prefix of two other hashes", "1", 1, "2 other functions' hashes begin with 1", ""},
		{"index that is also a prefix of another hash", "0", 0, "another function's hash begins with 0", ""},
		{"index that is a prefix of its own hash only", "3", 3, "", ""},
		{"out of range, a digit prefix", "12345", 0, "", ""},
		{"hex prefix", "9d", 5, "", ""},
		{"ambiguous prefix", "12", 0, "", "a prefix of 2 functions' hashes"},
		{"out of range, no hash", "77", 0, "", "not an index of the trace's functions 0..5, nor a prefix"},
		{"negative", "-1", 0, "", "not an index"},
		{"no hash", "zz", 0, "", "no function's hash begins with it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i, note, err := simFindFunction(tr, tc.key)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "--timeline-function") {
					t.Errorf("%q: (%d, %v), want an error naming the flag and saying %q", tc.key, i, err, tc.err)
				}
			case err != nil || i != tc.want:
				t.Errorf("%q: (%d, %v), want function %d", tc.key, i, err, tc.want)
			case tc.note == "" && note != "" || !strings.Contains(note, tc.note):
				t.Errorf("%q: note %q, want %q", tc.key, note, tc.note)
			}
		})
	}
}

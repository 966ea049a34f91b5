package trace

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadInvocationLog(t *testing.T) {
	tr, err := Load("testdata/log2021")
	if err != nil {
		t.Fatal(err)
	}
	// f1 starts at -0.008 (clamped to minute 0), 58.5 (minute 0) and 120
	// (minute 2); f2 at 59 (minute 0); f3 at 200 (minute 3).
	want := map[string][]uint32{"f1": {2, 0, 1, 0}, "f2": {1, 0, 0, 0}, "f3": {0, 0, 0, 1}}
	if tr.Format != Azure2021 {
		t.Errorf("format %q, want %q", tr.Format, Azure2021)
	}
	if tr.Minutes != 4 || len(tr.Functions) != 3 {
		t.Fatalf("minutes %d, functions %d; want 4 and 3", tr.Minutes, len(tr.Functions))
	}
	for _, f := range tr.Functions {
		if d := cmp.Diff(want[f.ID], f.PerMinute); d != "" {
			t.Errorf("%s per minute (-want +got):\n%s", f.ID, d)
		}
	}
	f1 := tr.Functions[0]
	if f1.ID != "f1" || f1.App != "a1" || f1.Duration == nil {
		t.Fatalf("first function %+v, want f1 of a1 with durations", f1)
	}
	// Executions 78, 1000, 10000 ms: median 1000, max 10000, 25th
	// percentile halfway between 78 and 1000.
	d := f1.Duration
	if d.Count != 3 || d.MinMs != 78 || d.MaxMs != 10000 || d.Pct[3] != 1000 || d.Pct[2] != 539 {
		t.Errorf("durations %+v", *d)
	}
}

func TestLoadInvocationLogErrors(t *testing.T) {
	tests := []struct{ dir, want string }{
		{"testdata/bad2021/header", "no invocations file"},
		{"testdata/bad2021/number", filepath.Join("testdata/bad2021/number", "x.csv") + ":3:4: duration: want a non-negative number of seconds, got \"-3\""},
		{"testdata/bad2021/two", "2 per-invocation files"},
	}
	for _, tc := range tests {
		_, err := Load(tc.dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s) = %v, want an error containing %q", tc.dir, err, tc.want)
		}
	}
	_, err := ParseInvocationLog(strings.NewReader("app,function,end,duration\n"), "h.csv")
	if err == nil || !strings.HasPrefix(err.Error(), "h.csv:1: header") {
		t.Errorf("bad header: %v", err)
	}
	_, err = ParseInvocationLog(strings.NewReader("app,func,end_timestamp,duration\na,f,99999999,1\n"), "far.csv")
	if err == nil || !strings.HasPrefix(err.Error(), "far.csv:2:3: end_timestamp") {
		t.Errorf("far timestamp: %v", err)
	}
}

func TestWriteDirRoundTrip(t *testing.T) {
	for _, src := range []string{"testdata/original", "testdata/log2021"} {
		in, err := Load(src)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := WriteDir(dir, in); err != nil {
			t.Fatal(err)
		}
		out, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		out.Dir, out.Format, out.Layout = in.Dir, in.Format, in.Layout // written in the 2019 layout, whatever it came from
		out.Notes = in.Notes                                           // name the files read, in another folder
		if d := cmp.Diff(in, out); d != "" {
			t.Errorf("%s written and read back differs (-in +out):\n%s", src, d)
		}
		if _, err := os.Stat(filepath.Join(dir, "invocations.csv")); err != nil {
			t.Error(err)
		}
	}
}

// FuzzParseInvocationLog: any input is a *ParseError or a consistent trace
// (every function the same length, counts adding up to the rows read).
func FuzzParseInvocationLog(f *testing.F) {
	b, err := os.ReadFile("testdata/log2021/sample.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("app,func,end_timestamp,duration\na,f,1e9,1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fns, err := ParseInvocationLog(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		for _, fn := range fns {
			if len(fn.PerMinute) != len(fns[0].PerMinute) || fn.ID == "" || fn.Duration == nil || fn.Duration.Count != fn.Total() {
				t.Fatalf("inconsistent function %+v", fn)
			}
		}
	})
}

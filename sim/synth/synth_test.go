package synth

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden pins a small sample of each shape, written in the Azure 2019
// layout: a change to a generator (or to the random streams it draws from)
// shows as a diff here.
func TestGolden(t *testing.T) {
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			tr, err := Generate(Spec{Kind: k, Seed: 7, Functions: 3, Minutes: 180})
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := trace.WriteInvocations(&got, tr); err != nil {
				t.Fatal(err)
			}
			if err := trace.WriteDurations(&got, tr); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", string(k)+".golden.csv")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), got.String()); d != "" {
				t.Errorf("generated %s differs from %s (-want +got):\n%s", k, path, d)
			}
		})
	}
}

// TestShapes checks what each generator promises, on the default size.
func TestShapes(t *testing.T) {
	gen := func(k Kind) *trace.Trace {
		tr, err := Generate(Spec{Kind: k, Seed: 1, Functions: DefaultFunctions, Minutes: DefaultMinutes})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	t.Run("timers fire near every period", func(t *testing.T) {
		for _, f := range gen(Timers).Functions {
			// Per hour a 60-minute timer fires once; jitter moves a firing by
			// one minute and 2 % are skipped: between 20 and 25 a day.
			if n := f.Total(); n < 20 {
				t.Errorf("%s: %d firings a day, want at least one an hour less skips", f.ID, n)
			}
		}
	})
	t.Run("diurnal peaks once a day", func(t *testing.T) {
		tr := gen(Diurnal)
		var busy *trace.Function
		for i := range tr.Functions {
			if busy == nil || tr.Functions[i].Total() > busy.Total() {
				busy = &tr.Functions[i]
			}
		}
		hours := make([]uint64, 24)
		for m, c := range busy.PerMinute {
			hours[m/60] += uint64(c)
		}
		lo, hi := hours[0], hours[0]
		for _, h := range hours {
			lo, hi = min(lo, h), max(hi, h)
		}
		if hi < 5*lo {
			t.Errorf("busiest function's hours range %d..%d, want a peak at least 5× the trough", lo, hi)
		}
	})
	t.Run("rare functions are mostly idle", func(t *testing.T) {
		for _, f := range gen(Rare).Functions {
			if a := f.ActiveMinutes(); a == 0 || a > DefaultMinutes/5 {
				t.Errorf("%s active %d minutes of %d", f.ID, a, DefaultMinutes)
			}
		}
	})
	t.Run("bursty functions are on in runs", func(t *testing.T) {
		for _, f := range gen(Bursty).Functions {
			if a := f.ActiveMinutes(); a > DefaultMinutes/2 {
				t.Errorf("%s active %d minutes of %d, want mostly off", f.ID, a, DefaultMinutes)
			}
		}
	})
}

func TestDeterministicAndIndependentOfSize(t *testing.T) {
	a, _ := Generate(Spec{Kind: Bursty, Seed: 3, Functions: 5, Minutes: 300})
	b, _ := Generate(Spec{Kind: Bursty, Seed: 3, Functions: 8, Minutes: 300})
	if d := cmp.Diff(a.Functions, b.Functions[:5]); d != "" {
		t.Errorf("more functions changed the first ones:\n%s", d)
	}
	c, _ := Generate(Spec{Kind: Bursty, Seed: 4, Functions: 5, Minutes: 300})
	if cmp.Equal(a.Functions, c.Functions) {
		t.Error("seeds 3 and 4 gave the same trace")
	}
}

func TestParseSpec(t *testing.T) {
	sp, err := ParseSpec("synth:rare@42")
	if err != nil || sp != (Spec{Kind: Rare, Seed: 42, Functions: DefaultFunctions, Minutes: DefaultMinutes}) {
		t.Errorf("ParseSpec = %+v, %v", sp, err)
	}
	if sp, _ := ParseSpec("synth:timers"); sp.Seed != 1 {
		t.Errorf("default seed %d, want 1", sp.Seed)
	}
	for in, want := range map[string]string{
		"synth:nope":    `unknown synthetic trace "nope" (known: timers, diurnal, rare, bursty)`,
		"synth:rare@x":  `seed "x" is not a non-negative integer`,
		"timers":        "a synthetic trace is synth:NAME[@SEED]",
		"synth:rare@-1": `seed "-1"`,
		"synth:@1":      `unknown synthetic trace ""`,
	} {
		if _, err := ParseSpec(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSpec(%q) = %v, want %q", in, err, want)
		}
	}
	if _, err := Generate(Spec{Kind: Rare, Functions: 0, Minutes: 10}); err == nil {
		t.Error("Generate with no functions did not fail")
	}
	if tr, err := Open("synth:timers@2"); err != nil || tr.Dir != "synth:timers@2" || len(tr.Functions) != DefaultFunctions {
		t.Errorf("Open = %v, %v", tr, err)
	}
}

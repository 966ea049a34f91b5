package trace

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

func TestLoadBothLayouts(t *testing.T) {
	tests := []struct {
		name      string
		dir       string
		minutes   int
		ids       []string
		triggers  []string
		totals    []uint64
		memory    []float64
		durations []bool
	}{
		{
			name: "original azure 2019 layout", dir: "testdata/original", minutes: 5,
			ids: []string{"f1", "f2", "f3"}, triggers: []string{"http", "timer", "queue"},
			totals: []uint64{4, 3, 0}, memory: []float64{128, 256, 0}, durations: []bool{true, true, false},
		},
		{
			name: "invitro rewritten layout", dir: "testdata/rewritten", minutes: 3,
			ids: []string{"g1", "g2"}, triggers: []string{"", ""},
			totals: []uint64{9, 1}, memory: []float64{0, 512}, durations: []bool{true, false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Load(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Minutes != tc.minutes {
				t.Errorf("minutes = %d, want %d", tr.Minutes, tc.minutes)
			}
			var ids, trig []string
			var totals []uint64
			var mem []float64
			var dur []bool
			for _, f := range tr.Functions {
				ids, trig = append(ids, f.ID), append(trig, f.Trigger)
				totals, mem, dur = append(totals, f.Total()), append(mem, f.MemoryMB), append(dur, f.Duration != nil)
			}
			for _, d := range []string{
				cmp.Diff(tc.ids, ids), cmp.Diff(tc.triggers, trig), cmp.Diff(tc.totals, totals),
				cmp.Diff(tc.memory, mem), cmp.Diff(tc.durations, dur),
			} {
				if d != "" {
					t.Error(d)
				}
			}
		})
	}
}

func TestDurationColumnsByName(t *testing.T) {
	// run.csv has Count before Average; the values must land in the right fields.
	tr, err := Load("testdata/rewritten")
	if err != nil {
		t.Fatal(err)
	}
	d := tr.Functions[0].Duration
	if d.Count != 9 || d.AverageMs != 300 || d.Pct[3] != 300 {
		t.Errorf("durations = %+v, want Count 9, Average 300, p50 300", *d)
	}
}

func TestBadInputNamesFileLineColumn(t *testing.T) {
	tests := []struct {
		file  string
		parse func(f *os.File, name string) error
		want  string
	}{
		{"count-not-number.csv", inv, `count-not-number.csv:2:5: minute_2: want a count 0..10000000, got "x"`},
		{"minute-gap.csv", inv, `minute-gap.csv:1:5: minute column "minute_3" out of order: want minute 2 here`},
		{"no-function-column.csv", inv, `no-function-column.csv:1: no HashFunction column`},
		{"short-row.csv", inv, `short-row.csv:3: wrong number of fields`},
		{"negative.csv", inv, `negative.csv:2:4: minute_1: want a count 0..10000000, got "-4"`},
		{"unknown-column.csv", inv, `unknown-column.csv:1:3: unknown column "Colour"`},
		{"unterminated-quote.csv", inv, `unterminated-quote.csv:2:`},
		{"empty.csv", inv, `empty.csv:1: empty file, want a header`},
		{"header-only.csv", inv, `header-only.csv:2: no functions after the header`},
		{"durations-decreasing.csv", dur, `durations-decreasing.csv:2:11: percentile_Average_50 = 150 is below percentile_Average_25 = 200: percentiles must not decrease`},
		{"durations-missing-column.csv", dur, `durations-missing-column.csv:1: no percentile_Average_1 column`},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata/bad", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			err = tc.parse(f, tc.file)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *ParseError", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %q, want prefix %q", err, tc.want)
			}
		})
	}
}

func inv(f *os.File, name string) error { _, err := ParseInvocations(f, name); return err }
func dur(f *os.File, name string) error { _, err := ParseDurations(f, name); return err }

func TestArrivalModels(t *testing.T) {
	for _, m := range []ArrivalModel{Uniform, Even, Burst} {
		t.Run(string(m), func(t *testing.T) {
			a := m.Minute(NewRNG(7, 3), 1000, nil)
			b := m.Minute(NewRNG(7, 3), 1000, nil)
			if diff := cmp.Diff(a, b); diff != "" {
				t.Fatalf("same seed, different arrivals: %s", diff)
			}
			if len(a) != 1000 {
				t.Fatalf("got %d arrivals, want 1000", len(a))
			}
			for i, x := range a {
				if x < 0 || x >= 60 || (i > 0 && x < a[i-1]) {
					t.Fatalf("arrival %d = %v: want sorted in [0,60)", i, x)
				}
			}
			if m == Burst && a[len(a)-1]-a[0] > 1 {
				t.Errorf("burst spans %v s, want ≤ 1", a[len(a)-1]-a[0])
			}
			if m == Uniform {
				// Half the arrivals should fall in each half of the minute, within 5 sigma.
				first := 0
				for _, x := range a {
					if x < 30 {
						first++
					}
				}
				if math.Abs(float64(first)-500) > 5*math.Sqrt(250) {
					t.Errorf("%d of 1000 in the first half: not uniform", first)
				}
			}
		})
	}
	if c := Uniform.Minute(NewRNG(7, 4), 1000, nil); cmp.Equal(c, Uniform.Minute(NewRNG(7, 3), 1000, nil)) {
		t.Error("different functions got the same arrivals")
	}
}

func TestDurationSample(t *testing.T) {
	d := Durations{Pct: [7]float64{50, 60, 80, 100, 120, 190, 200}}
	for _, c := range []struct{ u, want float64 }{{0, .05}, {0.5, .1}, {0.375, .09}, {1, .2}} {
		if got := d.Sample(c.u); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Sample(%v) = %v, want %v", c.u, got, c.want)
		}
	}
}

func TestSharedTraces(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "traces")
	for _, c := range []struct {
		sub         string
		fns         int
		invocations uint64
	}{{"azure2019-invitro-200fn", 200, 2007609}, {"azure2019-invitro-10fn", 10, 0}} {
		p := filepath.Join(dir, c.sub)
		testenv.NeedPath(t, p, "the shared traces live in ../shared/traces beside the repository")
		tr, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Functions) != c.fns || tr.Minutes != 1440 {
			t.Errorf("%s: %d functions × %d minutes", c.sub, len(tr.Functions), tr.Minutes)
		}
		if c.invocations > 0 && tr.Invocations() != c.invocations {
			t.Errorf("%s: %d invocations, want %d (SOURCE.md)", c.sub, tr.Invocations(), c.invocations)
		}
	}
}

func FuzzParseInvocations(f *testing.F) {
	for _, p := range []string{"testdata/original/invocations.csv", "testdata/rewritten/inv.csv", "testdata/bad/minute-gap.csv"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fns, err := ParseInvocations(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		for _, fn := range fns {
			if len(fn.PerMinute) != len(fns[0].PerMinute) || fn.ID == "" {
				t.Fatalf("inconsistent function %+v", fn)
			}
		}
	})
}

func FuzzParseDurations(f *testing.F) {
	b, _ := os.ReadFile("testdata/original/durations.csv")
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDurations(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			return
		}
		for _, r := range d.rows {
			v := r.v
			for k := 1; k < 7; k++ {
				if v.Pct[k] < v.Pct[k-1] {
					t.Fatalf("accepted decreasing percentiles %v", v.Pct)
				}
			}
		}
	})
}

package trace

import (
	"fmt"
	"testing"
)

func numbered(n int) *Trace {
	t := &Trace{Dir: "x", Format: Azure2019, Minutes: 3}
	for i := range n {
		t.Functions = append(t.Functions, Function{ID: fmt.Sprintf("f%03d", i), PerMinute: []uint32{uint32(i), 0, 1}})
	}
	return t
}

// TestSampleIsASeededSubsetInOrder: n distinct functions of the trace, in
// its order, the same for the same seed and another for another seed; the
// trace itself when n is 0 or covers it.
func TestSampleIsASeededSubsetInOrder(t *testing.T) {
	tr := numbered(50)
	a, b, c := tr.Sample(10, 1), tr.Sample(10, 1), tr.Sample(10, 2)
	if len(a.Functions) != 10 || a.Minutes != tr.Minutes || a.Format != tr.Format || a.Dir != "x (sample of 10 of 50 functions, seed 1)" {
		t.Fatalf("sample of 10: %d functions, %d minutes, %s, %s", len(a.Functions), a.Minutes, a.Format, a.Dir)
	}
	for i := range a.Functions {
		if i > 0 && a.Functions[i].ID <= a.Functions[i-1].ID {
			t.Fatalf("sample not in the trace's order (or repeats): %s after %s", a.Functions[i].ID, a.Functions[i-1].ID)
		}
		if a.Functions[i].ID != b.Functions[i].ID {
			t.Fatalf("same seed, different samples at %d: %s, %s", i, a.Functions[i].ID, b.Functions[i].ID)
		}
		var n int
		fmt.Sscanf(a.Functions[i].ID, "f%d", &n)
		if a.Functions[i].PerMinute[0] != uint32(n) {
			t.Fatalf("%s came with another function's counts", a.Functions[i].ID)
		}
	}
	same := true
	for i := range a.Functions {
		same = same && a.Functions[i].ID == c.Functions[i].ID
	}
	if same {
		t.Error("seeds 1 and 2 drew the same 10 of 50 functions")
	}
	for _, n := range []int{0, -1, 50, 51} {
		if got := tr.Sample(n, 1); got != tr {
			t.Errorf("Sample(%d) of 50 functions is not the trace itself", n)
		}
	}
}

// TestSampleDrawsEveryFunctionAlike: over many seeds each function is drawn
// about n/N of the time (a uniform draw, not the first n, nor the busiest).
func TestSampleDrawsEveryFunctionAlike(t *testing.T) {
	tr := numbered(20)
	const seeds, n = 2000, 5
	count := map[string]int{}
	for s := range uint64(seeds) {
		for _, f := range tr.Sample(n, s).Functions {
			count[f.ID]++
		}
	}
	want := seeds * n / len(tr.Functions) // 500
	for _, f := range tr.Functions {
		if c := count[f.ID]; c < want*8/10 || c > want*12/10 {
			t.Errorf("%s drawn %d times in %d samples, want about %d", f.ID, c, seeds, want)
		}
	}
}

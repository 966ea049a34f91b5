package scaler

import (
	"testing"
	"time"
)

// TestReasonWordsAllocateOnlyTheirString: the words of a loud decision's
// reason are put together in a buffer on the stack, so that each builder
// allocates the string it returns and nothing else (each also allocated
// its buffer: 75,000 allocations a replayed day).
func TestReasonWordsAllocateOnlyTheirString(t *testing.T) {
	head := "capacity 12.5 (1m0s peak) over target 1×0.9 on 8 ready"
	builders := []struct {
		name string
		f    func() string
	}{
		{"headWords", func() string { return headWords("capacity", 12.5, " (1m0s peak)", "target 1×0.9", 8) }},
		{"steadyWords", func() string { return steadyWords(head, 14, 14) }},
		{"toWords", func() string { return toWords(head, 14) }},
		{"stabilisingWords", func() string { return stabilisingWords(head, 9, 5*time.Minute, 14, 14) }},
		{"toleranceWords", func() string { return toleranceWords(head, 10, 14, 12.6) }},
	}
	for _, b := range builders {
		if n := testing.AllocsPerRun(100, func() { _ = b.f() }); n != 1 {
			t.Errorf("%s: %v allocations, want 1 (its string)", b.name, n)
		}
	}
}

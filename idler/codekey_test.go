package idler

import (
	"slices"
	"testing"
	"time"
)

// TestCodeKeyIsThePlaceInCodes: codeKey, a switch, keys every Code by its
// place in Codes (from 1), as the walk along them it replaced did, and
// codeOf reads it back; a code not in Codes is unknownCode. Seen failing
// with two cases of the switch swapped.
func TestCodeKeyIsThePlaceInCodes(t *testing.T) {
	for i, c := range Codes {
		if k := codeKey(c); int(k) != i+1 || codeOf(k) != c {
			t.Errorf("codeKey(%q) = %d (read back %q); its place in Codes is %d", c, k, codeOf(k), i+1)
		}
	}
	if k := codeKey("not_a_code"); k != unknownCode {
		t.Errorf("codeKey of an unknown code = %d, want unknownCode", k)
	}
}

// TestQuantizeAutoIsTheFirstStepAtLeast: the binary search finds, for
// every keep-alive, the first step of the ladder at least as long (a
// whole hour more past it), as a walk along the ladder does: on each step,
// a nanosecond either side of it, and between. Seen failing with the
// search's place taken one step on, and with it moving two places past
// the middle.
func TestQuantizeAutoIsTheFirstStepAtLeast(t *testing.T) {
	walk := func(d time.Duration) time.Duration {
		for _, w := range autoWindows {
			if d <= w {
				return w
			}
		}
		return d.Truncate(time.Hour) + time.Hour
	}
	if !slices.IsSorted(autoWindows) {
		t.Fatal("the ladder is not sorted: a binary search cannot read it")
	}
	var ds []time.Duration
	for _, w := range autoWindows {
		ds = append(ds, w-1, w, w+1, w+w/3)
	}
	ds = append(ds, 0, time.Nanosecond, 30*time.Hour, 25*time.Hour+time.Minute)
	for _, d := range ds {
		if got, want := quantizeAuto(d), walk(d); got != want {
			t.Errorf("quantizeAuto(%s) = %s, the walk's %s", d, got, want)
		}
	}
}

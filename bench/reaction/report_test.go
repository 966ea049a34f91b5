package reaction

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// A failed run is reported and excluded, never a 0.0 s in the medians.
//
// Seen failing: with the failed run kept as a zero Timings (as the bench
// did), the CE median first call reads 5.0 s instead of 10.0 s.
func TestFailedRunExcluded(t *testing.T) {
	s := func(d float64) time.Duration { return time.Duration(d * float64(time.Second)) }
	ce := Result{Setting: "CE", Failed: []string{"run 1"},
		Up:   []Timings{{FirstCall: s(10), Requested: s(20), Ready: s(30)}, {FirstCall: s(10), Requested: s(20), Ready: s(30)}},
		Down: []Timings{{FirstCall: s(1), Requested: s(2), Ready: s(3)}, {FirstCall: s(1), Requested: s(2), Ready: s(3)}}}
	var b bytes.Buffer
	WriteTable(&b, []Result{ce}, math.NaN())
	out := b.String()
	if !strings.Contains(out, "| CE | 2 (1) | 10.0 s | 20.0 s | 30.0 s |") {
		t.Errorf("table row wrong:\n%s", out)
	}
	if !strings.Contains(out, "failed and excluded: run 1") {
		t.Errorf("failed run not reported:\n%s", out)
	}
}

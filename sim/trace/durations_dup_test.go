package trace

import (
	"errors"
	"strings"
	"testing"
)

// TestDurationsRejectDuplicateFunction: a function is one row, in the
// durations file as in the invocations file (TestBadInputNamesFileLineColumn,
// duplicate-function.csv: "function … already on line N"). Two rows for one
// HashFunction leave undefined which execution-time distribution the replay
// draws from (keeping the last row silently made f1's execution times 10×
// what the first row says), so it is bad input, and docs/sim.md promises
// that a bad trace is reported with its file, line and column.
//
// Expected: a *ParseError at line 3 (the second row), column 3 (HashFunction
// in the original layout), naming the line of the first row.
func TestDurationsRejectDuplicateFunction(t *testing.T) {
	const csv = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum," +
		"percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50," +
		"percentile_Average_75,percentile_Average_99,percentile_Average_100\n" +
		"o1,a1,f1,100,10,50,200,50,60,80,100,120,190,200\n" +
		"o1,a1,f1,1000,10,500,2000,500,600,800,1000,1200,1900,2000\n"
	d, err := ParseDurations(strings.NewReader(csv), "durations.csv")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (kept average %v ms), want a *ParseError for the second row of function f1", err, d["f1"].AverageMs)
	}
	if pe.Line != 3 || pe.Column != 3 {
		t.Errorf("error at line %d column %d, want line 3 column 3: %v", pe.Line, pe.Column, err)
	}
	if want := "durations.csv:3:3: function f1… already on line 2"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

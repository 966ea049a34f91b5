package trace

import (
	"testing"
	"testing/fstest"
)

// TestDurationsKeepTheLargerCountRow: a function on two rows of the
// durations file, as the dataset has them (Azure/AzurePublicDataset issue
// #40), is not an error (it stopped the load of a whole day) and not the
// row order's choice (keeping the last silently made f1's execution times
// 10× what the first row said): the row with the larger Count is kept, the
// distribution measured on more executions; on a tie, the first.
func TestDurationsKeepTheLargerCountRow(t *testing.T) {
	for _, tc := range []struct {
		name, rows string
		wantAvg    float64
	}{
		{"larger count second", durRow("o1,a1,f1", "100", "10") + durRow("o1,a1,f1", "1000", "11"), 1000},
		{"larger count first", durRow("o1,a1,f1", "100", "12") + durRow("o1,a1,f1", "1000", "11"), 100},
		{"tie", durRow("o1,a1,f1", "100", "10") + durRow("o1,a1,f1", "1000", "10"), 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"invocations.csv": {Data: []byte("HashOwner,HashApp,HashFunction,Trigger,1\no1,a1,f1,http,1\n")},
				"durations.csv":   {Data: []byte("HashOwner,HashApp,HashFunction," + durHeader + "\n" + tc.rows)},
			}
			tr, err := LoadFS(fsys, "t")
			if err != nil {
				t.Fatal(err)
			}
			if d := tr.Functions[0].Duration; d == nil || d.AverageMs != tc.wantAvg {
				t.Errorf("durations %+v, want average %v ms", d, tc.wantAvg)
			}
		})
	}
}

package trace

import (
	"strings"
	"testing"
)

// TestMemoryRejectsDuplicateKey: a memory file holds one row per function
// (the per-function layout) or per app, as the durations file holds one per
// function (TestDurationsRejectDuplicateFunction). Two rows for one key
// kept the last silently: a function allocated 128 MB on the first row was
// replayed at 900 MB without a word. An empty key is no key either: a row
// with an empty HashApp was given to every function without an app (an
// invocations file with no HashApp column, or an empty cell in it).
func TestMemoryRejectsDuplicateKey(t *testing.T) {
	tests := []struct {
		name, csv, want string
	}{
		{"app twice", "HashOwner,HashApp,SampleCount,AverageAllocatedMb\no1,a1,5,128\no2,a1,5,900\n",
			"memory.csv:3:2: app a1… already on line 2"},
		{"function twice", "HashOwner,HashApp,HashFunction,SampleCount,AverageAllocatedMb\no1,a1,f1,5,128\no1,a1,f1,5,900\n",
			"memory.csv:3:3: function f1… already on line 2"},
		{"empty app", "HashOwner,HashApp,SampleCount,AverageAllocatedMb\no1,,5,128\n",
			"memory.csv:2:2: empty HashApp"},
		{"empty function", "HashOwner,HashApp,HashFunction,SampleCount,AverageAllocatedMb\no1,a1, ,5,128\n",
			"memory.csv:2:3: empty HashFunction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMemory(strings.NewReader(tc.csv), "memory.csv")
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v (kept %v %v), want %q", err, m.ByApp, m.ByFunction, tc.want)
			}
		})
	}
}

package trace

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestMemoryRejectsAnEmptyKey: an empty key is no key: a row with an empty
// HashApp was given to every function without an app (an invocations file
// with no HashApp column, or an empty cell in it).
func TestMemoryRejectsAnEmptyKey(t *testing.T) {
	tests := []struct {
		name, csv, want string
	}{
		{"empty app", "HashOwner,HashApp,SampleCount,AverageAllocatedMb\no1,,5,128\n",
			"memory.csv:2:2: empty HashApp"},
		{"empty function", "HashOwner,HashApp,HashFunction,SampleCount,AverageAllocatedMb\no1,a1, ,5,128\n",
			"memory.csv:2:3: empty HashFunction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMemory(strings.NewReader(tc.csv), "memory.csv")
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestMemoryKeyOnTwoRows: an app is (HashOwner, HashApp), so one HashApp
// under two owners is two apps, each with its own memory; one key on two
// rows (which silently kept the last, then stopped the load) keeps the row
// with the larger SampleCount, on a tie the first, whatever the row order.
func TestMemoryKeyOnTwoRows(t *testing.T) {
	inv := []byte("HashOwner,HashApp,HashFunction,Trigger,1\no1,a1,f1,http,1\no2,a1,f2,http,1\n")
	for _, tc := range []struct {
		name, mem string
		want      [2]float64
	}{
		{"one app hash, two owners", "HashOwner,HashApp,SampleCount,AverageAllocatedMb\no1,a1,5,128\no2,a1,5,900\n", [2]float64{128, 900}},
		{"larger sample count last", "HashOwner,HashApp,SampleCount,AverageAllocatedMb\no1,a1,5,128\no1,a1,7,900\n", [2]float64{900, 0}},
		{"tie", "HashOwner,HashApp,SampleCount,AverageAllocatedMb\no1,a1,5,128\no1,a1,5,900\n", [2]float64{128, 0}},
		{"per function", "HashOwner,HashApp,HashFunction,SampleCount,AverageAllocatedMb\no1,a1,f1,9,128\no1,a1,f1,5,900\n", [2]float64{128, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := LoadFS(fstest.MapFS{"invocations.csv": {Data: inv}, "memory.csv": {Data: []byte(tc.mem)}}, "t")
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]float64{tr.Functions[0].MemoryMB, tr.Functions[1].MemoryMB}; got != tc.want {
				t.Errorf("memory %v MB, want %v", got, tc.want)
			}
		})
	}
}

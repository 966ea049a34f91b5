package trace

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// The Azure 2019 dataset repeats functions: HashFunction is "unique id for
// the function name within the app", so one hash can stand for functions of
// two apps, and a durations file can hold a function on two rows
// (Azure/AzurePublicDataset issue #40: "see for example 6ae4dc74 on day
// 01"). Each used to stop the load with "function … already on line N",
// and with it a whole evaluation on a held-out day.

const durHeader = "Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25," +
	"percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100"

// durRow is a durations row of average avg ms and count calls.
func durRow(id, avg, count string) string {
	return id + "," + avg + "," + count + "," + avg + "," + avg + "," + avg + "," + avg + "," + avg + "," + avg + "," + avg + "," + avg + "," + avg + "\n"
}

type loaded struct {
	IDs      []string
	Triggers []string
	Totals   []uint64
	AvgMs    []float64 // -1: no durations row joined
	MemoryMB []float64
}

func summariseTrace(tr *Trace) loaded {
	var l loaded
	for _, f := range tr.Functions {
		l.IDs, l.Triggers, l.Totals, l.MemoryMB = append(l.IDs, f.ID), append(l.Triggers, f.Trigger), append(l.Totals, f.Total()), append(l.MemoryMB, f.MemoryMB)
		avg := -1.0
		if f.Duration != nil {
			avg = f.Duration.AverageMs
		}
		l.AvgMs = append(l.AvgMs, avg)
	}
	return l
}

// TestOneHashUnderTwoAppsIsTwoFunctions: a HashFunction under two (owner,
// app) pairs is two functions, in both column orders and under the
// dataset's own file names. Each joins its own durations row and its own
// app's memory; only they get a longer ID (hash-APP8), every other function
// keeps its bare hash.
func TestOneHashUnderTwoAppsIsTwoFunctions(t *testing.T) {
	want := loaded{IDs: []string{"f1-a1111111", "f1-a2222222", "f2"}, Triggers: []string{"http", "timer", "queue"},
		Totals: []uint64{1, 2, 3}, AvgMs: []float64{100, 500, -1}, MemoryMB: []float64{128, 256, 128}}
	original := fstest.MapFS{
		"invocations.csv": {Data: []byte("HashOwner,HashApp,HashFunction,Trigger,1,2,3\n" +
			"o1,a1111111aa,f1,http,1,0,0\n" +
			"o2,a2222222bb,f1,timer,0,2,0\n" +
			"o1,a1111111aa,f2,queue,0,0,3\n")},
		"durations.csv": {Data: []byte("HashOwner,HashApp,HashFunction," + durHeader + "\n" +
			durRow("o2,a2222222bb,f1", "500", "2") + durRow("o1,a1111111aa,f1", "100", "1"))},
		"memory.csv": {Data: []byte("HashOwner,HashApp,SampleCount,AverageAllocatedMb\no1,a1111111aa,5,128\no2,a2222222bb,5,256\n")},
	}
	invitro := fstest.MapFS{
		"inv.csv": {Data: []byte("HashFunction,HashApp,HashOwner,minute_1,minute_2,minute_3\n" +
			"f1,a1111111aa,o1,1,0,0\n" +
			"f1,a2222222bb,o2,0,2,0\n" +
			"f2,a1111111aa,o1,0,0,3\n")},
		"run.csv": {Data: []byte("HashFunction,HashApp,HashOwner," + durHeader + "\n" +
			durRow("f1,a2222222bb,o2", "500", "2") + durRow("f1,a1111111aa,o1", "100", "1"))},
		"mem.csv": {Data: []byte("HashApp,HashOwner,SampleCount,AverageAllocatedMb\na1111111aa,o1,5,128\na2222222bb,o2,5,256\n")},
	}
	invitroWant := want
	invitroWant.Triggers = []string{"", "", ""}
	dataset := fstest.MapFS{
		"invocations_per_function_md.anon.d05.csv":    original["invocations.csv"],
		"function_durations_percentiles.anon.d05.csv": original["durations.csv"],
		"app_memory_percentiles.anon.d05.csv":         original["memory.csv"],
	}
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want loaded
	}{{"original layout", original, want}, {"invitro layout", invitro, invitroWant}, {"dataset file names", dataset, want}} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := LoadFS(tc.fsys, "t")
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, summariseTrace(tr)); d != "" {
				t.Errorf("loaded (-want +got):\n%s", d)
			}
			if got, want := tr.MergeNote(), "trace t: 2 functions share their HashFunction with another app's, named HASH-APP (f1-a1111111, f1-a2222222)"; got != want {
				t.Errorf("note %q, want %q", got, want)
			}
		})
	}
}

// TestRepeatedRowsAreMerged: one (owner, app, function) on two rows of the
// invocations file is one function, its counts summed minute by minute
// (capped at a count's bound, and the note says so); on two rows of the durations file, the row with
// the larger Count is kept (ties: the first). Neither is an error, and the
// trace says what it merged, for one line on stderr.
func TestRepeatedRowsAreMerged(t *testing.T) {
	fsys := fstest.MapFS{
		"invocations.csv": {Data: []byte("HashOwner,HashApp,HashFunction,Trigger,1,2,3\n" +
			"o1,a1,f1,http,1,9999999,0\n" +
			"o1,a1,f2,http,0,0,1\n" +
			"o1,a1,f1,http,2,5,0\n")},
		"durations.csv": {Data: []byte("HashOwner,HashApp,HashFunction," + durHeader + "\n" +
			durRow("o1,a1,f1", "100", "4") + durRow("o1,a1,f1", "1000", "9") +
			durRow("o1,a1,f2", "50", "3") + durRow("o1,a1,f2", "70", "3"))},
	}
	tr, err := LoadFS(fsys, "t")
	if err != nil {
		t.Fatal(err)
	}
	want := loaded{IDs: []string{"f1", "f2"}, Triggers: []string{"http", "http"}, Totals: []uint64{3 + maxPerMinute, 1},
		AvgMs: []float64{1000, 50}, MemoryMB: []float64{0, 0}}
	if d := cmp.Diff(want, summariseTrace(tr)); d != "" {
		t.Errorf("loaded (-want +got):\n%s", d)
	}
	if got := tr.Functions[0].PerMinute; !cmp.Equal(got, []uint32{3, maxPerMinute, 0}) {
		t.Errorf("f1 per minute %v, want [3 %d 0]", got, maxPerMinute)
	}
	// The capped minute said (summed past the bound without a word before:
	// found by a review).
	want2 := "trace t: 3 functions on two or more rows merged (invocations.csv: f1, counts summed, capped at 10000000 calls a minute; " +
		"durations.csv: f1, f2, the row with the larger Count kept)"
	if got := tr.MergeNote(); got != want2 {
		t.Errorf("note %q,\nwant %q", got, want2)
	}
}

// TestDurationsWithoutOwnerAppJoinByHash: a durations file without
// HashOwner and HashApp joins by HashFunction alone, so both functions of
// one hash get its row; a per-function memory file joins by the full key.
func TestDurationsWithoutOwnerAppJoinByHash(t *testing.T) {
	fsys := fstest.MapFS{
		"invocations.csv": {Data: []byte("HashOwner,HashApp,HashFunction,Trigger,1\no1,a1,f1,http,1\no2,a2,f1,http,2\n")},
		"durations.csv":   {Data: []byte("HashFunction," + durHeader + "\n" + durRow("f1", "300", "5"))},
		"memory.csv":      {Data: []byte("HashOwner,HashApp,HashFunction,AverageAllocatedMb\no2,a2,f1,512\no1,a1,f1,128\n")},
	}
	tr, err := LoadFS(fsys, "t")
	if err != nil {
		t.Fatal(err)
	}
	want := loaded{IDs: []string{"f1-a1", "f1-a2"}, Triggers: []string{"http", "http"}, Totals: []uint64{1, 2},
		AvgMs: []float64{300, 300}, MemoryMB: []float64{128, 512}}
	if d := cmp.Diff(want, summariseTrace(tr)); d != "" {
		t.Errorf("loaded (-want +got):\n%s", d)
	}
}

// TestLongerIDsStayUnique: the longer IDs are unique whatever the hashes:
// two apps sharing their first 8 characters, and a function whose bare
// hash is another's longer ID, still give distinct names, the same each
// load; and a trace written with them reads back the same.
func TestLongerIDsStayUnique(t *testing.T) {
	fsys := fstest.MapFS{
		"invocations.csv": {Data: []byte("HashOwner,HashApp,HashFunction,Trigger,1\n" +
			"o1,appappapXX,f1,http,1\n" +
			"o2,appappapYY,f1,http,2\n" +
			"o3,a3,f1-appappap,http,3\n")},
	}
	tr, err := LoadFS(fsys, "t")
	if err != nil {
		t.Fatal(err)
	}
	ids := summariseTrace(tr).IDs
	if want := []string{"f1-appappap-o1", "f1-appappap-o2", "f1-appappap"}; !cmp.Equal(ids, want) {
		t.Errorf("IDs %v, want %v", ids, want)
	}
	dir := t.TempDir()
	if err := WriteDir(dir, tr); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := summariseTrace(back).IDs; !cmp.Equal(got, ids) {
		t.Errorf("written and read back: IDs %v, want %v", got, ids)
	}
}

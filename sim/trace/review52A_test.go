package trace

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestReview52AMemoryFileThatJoinsNothingIsSaid: an invocations file needs
// only a HashFunction column (ParseInvocations), and an app-memory file has
// HashApp and no HashFunction (the dataset's app_memory_percentiles). The
// two share no identity column, so loadMinuteCounts skips the join, and
// every function's memory stays 0 MB (so --cold-start-per-gb adds nothing)
// without a word: the file is neither refused nor read. A durations or
// memory file whose rows give no function anything is said in Trace.Notes
// ("none of its N rows is one of the trace's M functions ...: every
// function's memory sizes are the defaults", noteJoin: such cases "went
// unsaid (found by a review)"); a file that cannot be joined at all gives
// no function anything either, and must be said (or refused) the same way.
func TestReview52AMemoryFileThatJoinsNothingIsSaid(t *testing.T) {
	fsys := fstest.MapFS{
		"invocations.csv": {Data: []byte("HashFunction,1,2\nf1,3,4\nf2,0,1\n")},
		"memory.csv":      {Data: []byte("HashOwner,HashApp,SampleCount,AverageAllocatedMb\no1,a1,5,128\n")},
	}
	tr, err := LoadFS(fsys, "t")
	if err != nil {
		return // refused: said, as wanted
	}
	said := false
	for _, n := range tr.Notes {
		if strings.Contains(n, "memory.csv") {
			said = true
		}
	}
	if !said {
		t.Errorf("memory.csv shares no identity column with invocations.csv and sized no function (memory %v MB, %v MB), but the load said nothing: notes %q",
			tr.Functions[0].MemoryMB, tr.Functions[1].MemoryMB, tr.Notes)
	}
}

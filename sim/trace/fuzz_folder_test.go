package trace

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoadFolder loads a folder of an invocations, a durations and a memory
// file: whatever the bytes, Load either fails naming the file at fault, or
// returns functions of one length with their joins in range.
func FuzzLoadFolder(f *testing.F) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(read("testdata/original/invocations.csv"), read("testdata/original/durations.csv"), read("testdata/original/memory.csv"))
	f.Add(read("testdata/rewritten/inv.csv"), read("testdata/rewritten/run.csv"), read("testdata/rewritten/mem.csv"))
	f.Add([]byte("\ufeff\"HashFunction\",\"1\"\r\nf,1\r\n"), []byte(""), []byte("HashApp,AverageAllocatedMb\n,1\n"))
	f.Fuzz(func(t *testing.T, inv, dur, mem []byte) {
		fsys := fstest.MapFS{"invocations.csv": {Data: inv}, "durations.csv": {Data: dur}, "memory.csv": {Data: mem}}
		tr, err := LoadFS(fsys, "t")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "t/invocations.csv:") && !strings.HasPrefix(err.Error(), "t/durations.csv:") &&
				!strings.HasPrefix(err.Error(), "t/memory.csv:") {
				t.Fatalf("error %q names no file", err)
			}
			return
		}
		for _, fn := range tr.Functions {
			if len(fn.PerMinute) != tr.Minutes || fn.ID == "" || fn.MemoryMB < 0 {
				t.Fatalf("inconsistent function %+v", fn)
			}
		}
	})
}

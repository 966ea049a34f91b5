package trace

import (
	"path/filepath"
	"testing"
)

// The 2021 trace's schema says func is "unique only within an application"
// (AzureFunctionsInvocationTrace2021.md), and invitro keys it by (app, func).
// Two apps' functions with one func hash are two functions, named apart and
// said so (Renamed); they were merged into one, under the first app, with no
// note. Found by a review helper.
func Test2021SameFuncUnderTwoAppsIsTwoFunctions(t *testing.T) {
	dir := t.TempDir()
	writeTraceFile(t, dir, "trace.csv", "app,func,end_timestamp,duration\n"+
		"a1,f,1.5,0.5\n"+ // app a1, minute 0, 0.5 s
		"a2,f,70,10\n") // app a2, minute 1, 10 s
	tr, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Functions) != 2 {
		for _, f := range tr.Functions {
			t.Logf("function %s app %s per minute %v", f.ID, f.App, f.PerMinute)
		}
		t.Fatalf("%d functions, want 2: (a1, f) and (a2, f) are different functions", len(tr.Functions))
	}
	apps := map[string]uint64{}
	for _, f := range tr.Functions {
		apps[f.App] += f.Total()
	}
	if apps["a1"] != 1 || apps["a2"] != 1 {
		t.Errorf("invocations per app %v, want a1:1 a2:1", apps)
	}
	if tr.Functions[0].ID == tr.Functions[1].ID {
		t.Errorf("both functions named %q", tr.Functions[0].ID)
	}
	if len(tr.Renamed) != 2 {
		t.Errorf("renamed %v, want both functions named apart", tr.Renamed)
	}
}

// The 2021 trace as published unpacks to
// AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt (a CSV with the header
// app,func,end_timestamp,duration; invitro's preprocess2021 looks for exactly
// that name). A folder holding it was not read as a trace, nor was the file.
// Found by a review helper.
func Test2021PublishedTxtFileLoads(t *testing.T) {
	dir := t.TempDir()
	const name = "AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt"
	writeTraceFile(t, dir, name, "app,func,end_timestamp,duration\n"+
		"a1,f1,1.5,0.5\n"+
		"a2,f2,70,1\n")
	for _, p := range []string{dir, filepath.Join(dir, name)} {
		tr, err := Load(p)
		if err != nil {
			t.Errorf("Load(%s): %v", p, err)
			continue
		}
		if tr.Format != Azure2021 || tr.Invocations() != 2 {
			t.Errorf("Load(%s): format %s, %d invocations; want azure2021, 2", p, tr.Format, tr.Invocations())
		}
	}
}

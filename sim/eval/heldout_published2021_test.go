package eval

import (
	"os"
	"path/filepath"
	"testing"
)

// A held-out folder holding the Azure 2021 trace as published
// (AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt, a CSV under a .txt
// name) was skipped by `sim-eval --traces ROOT` without a word: it holds no
// "*.csv", so it was taken for a folder of notes, and the run reported on
// the other traces as if it had never been given. It is replayed. Found by
// a review helper.
func TestHeldOutPublished2021NotSilentlyDropped(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "azure2021-full")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := "app,func,end_timestamp,duration\na1,f1,1.5,0.5\na2,f2,70,1\n"
	if err := os.WriteFile(filepath.Join(dir, "AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	hs, err := FindHeldOut(root, nil, 0, 0)
	if err == nil && len(hs) == 0 {
		t.Fatalf("held-out folder %s silently dropped: FindHeldOut found no trace and no error", dir)
	}
	if err != nil {
		t.Errorf("held-out 2021 trace as published not read: %v", err)
	}
}

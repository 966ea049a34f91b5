package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimReplayingLineCountsTheWindow: with --minutes or --from-minute,
// the "replaying …: N functions, M invocations" line on stderr counts the
// invocations replayed, those of the window, as the table's invocations
// column does; it counted the whole trace's.
// Seen failing before the fix: stderr said 2468 invocations (synth:rare's
// whole day) for each window, where the table replayed 102, 86 and 82.
func TestSimReplayingLineCountsTheWindow(t *testing.T) {
	for _, window := range [][]string{{"--minutes", "30"}, {"--from-minute", "10", "--minutes", "30"}, {"--from-minute", "1380"}} {
		csv := filepath.Join(t.TempDir(), "s.csv")
		args := append([]string{"--trace", "synth:rare", "--policies", "fixed-10m", "--progress", "never", "--csv", csv}, window...)
		var out, errb bytes.Buffer
		if code := simCmd(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d; %s", window, code, errb.String())
		}
		b, err := os.ReadFile(csv)
		if err != nil {
			t.Fatal(err)
		}
		_, row, _ := strings.Cut(string(b), "\nfixed-10m,")
		replayed, _, _ := strings.Cut(row, ",")
		if want := fmt.Sprintf(" functions, %s invocations, 1 policies", replayed); !strings.Contains(errb.String(), want) {
			t.Errorf("%v: the table replayed %s invocations; stderr:\n%s", window, replayed, errb.String())
		}
	}
}

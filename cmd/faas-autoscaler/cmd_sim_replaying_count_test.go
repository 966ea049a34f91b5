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

// TestSimHeaderCountsTheWindow: the stdout header gave the whole trace's
// invocations beside the window ("N invocations; minutes 10..39 of
// 1440"), which read as the window's: it now counts the window's, as the
// table does, and names the whole trace's as such.
// Seen failing before the fix: "2468 invocations; minutes 0..29 of 1440".
func TestSimHeaderCountsTheWindow(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "s.csv")
	var out, errb bytes.Buffer
	if code := simCmd([]string{"--trace", "synth:rare", "--policies", "fixed-10m", "--progress", "never", "--csv", csv, "--minutes", "30"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d; %s", code, errb.String())
	}
	b, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	_, row, _ := strings.Cut(string(b), "\nfixed-10m,")
	replayed, _, _ := strings.Cut(row, ",")
	if want := fmt.Sprintf(" functions, %s invocations in minutes 0..29 of 1440 (the whole trace: ", replayed); !strings.Contains(out.String(), want) {
		t.Errorf("the table replayed %s invocations; want %q in the header:\n%s", replayed, want, out.String())
	}
}

package replay

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeSim writes a script that stands in for the binary: it logs its
// policy (and which build it is) and fails for the policy "broken".
func fakeSim(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	script := "#!/bin/sh\n" +
		`[ "$5" = broken ] && { echo "cannot replay: no such trace" >&2; exit 2; }` + "\n" +
		`echo "` + name + ` $1 $2 $3 $4 $5 $6 $7" >> "` + filepath.Join(dir, "log") + `"` + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRoundsAlternateTheOrder: the builds run in turn, the order reversed
// every other round, each with sim's flags and the replay's own.
func TestRoundsAlternateTheOrder(t *testing.T) {
	dir := t.TempDir()
	bin, other := fakeSim(t, dir, "this"), fakeSim(t, dir, "other")
	args := []string{"--trace", "T"}
	rs, err := Rounds(context.Background(), 3, Replay{Bin: bin, Policy: "faas-autoscaler", Args: args},
		Replay{Bin: bin, Policy: "fixed-10m", Args: args}, Replay{Bin: other, Policy: "faas-autoscaler", Args: args})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Against == nil {
		t.Fatalf("rounds %+v", rs)
	}
	wantOrder := [][]string{{"ours", "baseline", "against"}, {"against", "baseline", "ours"}, {"ours", "baseline", "against"}}
	for i, r := range rs {
		if !slices.Equal(r.Order, wantOrder[i]) {
			t.Errorf("round %d ran %v, want %v", i+1, r.Order, wantOrder[i])
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(string(log)), "\n")
	want := []string{
		"this sim --progress never --policies faas-autoscaler --trace T",
		"this sim --progress never --policies fixed-10m --trace T",
		"other sim --progress never --policies faas-autoscaler --trace T",
		"other sim --progress never --policies faas-autoscaler --trace T",
		"this sim --progress never --policies fixed-10m --trace T",
		"this sim --progress never --policies faas-autoscaler --trace T",
	}
	if !slices.Equal(got[:6], want) {
		t.Errorf("runs\n%s\nwant\n%s", strings.Join(got[:6], "\n"), strings.Join(want, "\n"))
	}
}

// TestRoundsStopAtAFailure: a replay that fails ends the measurement with
// what it said, not a ratio over a run that did nothing.
func TestRoundsStopAtAFailure(t *testing.T) {
	dir := t.TempDir()
	bin := fakeSim(t, dir, "this")
	_, err := Rounds(context.Background(), 2, Replay{Bin: bin, Policy: "broken"}, Replay{Bin: bin, Policy: "fixed-10m"}, Replay{})
	if err == nil || !strings.Contains(err.Error(), "round 1") || !strings.Contains(err.Error(), "no such trace") {
		t.Fatalf("error %v, want round 1's failure with its stderr", err)
	}
}

// The replays run with no Go runtime settings from the harness's shell: a
// GOGC or GOMEMLIMIT there paces the faas-autoscaler replay's collector far
// more than fixed-10m's (it allocates hundreds of MB a day against little),
// so GOGC=off or 400 in the shell would flatter the ratio, unrecorded.
func TestReplaysDoNotInheritRuntimeSettings(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sim")
	script := "#!/bin/sh\n" + `echo "GOGC=$GOGC GOMEMLIMIT=$GOMEMLIMIT GODEBUG=$GODEBUG GOMAXPROCS=$GOMAXPROCS SIM_TRACE=$SIM_TRACE" > "` + filepath.Join(dir, "env") + `"` + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"GOGC": "400", "GOMEMLIMIT": "1GiB", "GODEBUG": "gctrace=1", "GOMAXPROCS": "1", "SIM_TRACE": "synth:burst"} {
		t.Setenv(k, v)
	}
	if _, err := Measure(context.Background(), Replay{Bin: p, Policy: "fixed-10m"}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "GOGC= GOMEMLIMIT= GODEBUG= GOMAXPROCS= SIM_TRACE=\n"; string(got) != want {
		t.Errorf("the replay saw %q, want %q", got, want)
	}
}

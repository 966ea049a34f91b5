package replay

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// TestReplayRatio measures the replay figure: REPLAY_ROUNDS alternating
// rounds (5 by default) of REPLAY_BIN replaying REPLAY_TRACE (the
// 200-function Azure day of ../shared/traces: Shahrad et al., "Serverless
// in the Wild", USENIX ATC 2020, CC BY 4.0) with faas-autoscaler and with
// fixed-10m, and REPLAY_AGAINST's faas-autoscaler replay in the same rounds
// when set. Only with FAAS_REPLAY_BENCH=1 (make bench-replay). It prints
// the figures and asserts none of them.
func TestReplayRatio(t *testing.T) {
	if os.Getenv("FAAS_REPLAY_BENCH") != "1" {
		t.Skip("the replay benchmark runs with FAAS_REPLAY_BENCH=1 (make bench-replay)")
	}
	bin := os.Getenv("REPLAY_BIN")
	if bin == "" {
		t.Fatal("REPLAY_BIN names the faas-autoscaler binary to measure (make bench-replay builds and passes it)")
	}
	tr := os.Getenv("REPLAY_TRACE")
	if tr == "" {
		tr = filepath.Join("..", "..", "..", "shared", "traces", "azure2019-invitro-200fn")
	}
	testenv.NeedPath(t, tr, "the shared traces live in ../shared/traces beside the repository")
	n := 5
	if v := os.Getenv("REPLAY_ROUNDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("REPLAY_ROUNDS=%q: want a whole number of rounds, at least 1", v)
		}
	}
	args := []string{"--trace", tr}
	ours := Replay{Bin: bin, Policy: "faas-autoscaler", Args: args}
	base := Replay{Bin: bin, Policy: "fixed-10m", Args: args}
	against := Replay{Bin: os.Getenv("REPLAY_AGAINST"), Policy: "faas-autoscaler", Args: args}
	load := func() string { b, _ := os.ReadFile("/proc/loadavg"); return string(b) }
	t.Logf("load average before: %s", load())
	rounds, err := Rounds(context.Background(), n, ours, base, against)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load average after: %s", load())
	s, err := Summarise(rounds)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(os.Stdout, rounds)
}

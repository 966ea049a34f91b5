package eval

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTuneDayPassedAsTraceIsNotReported: docs/sim.md says "a folder
// under --traces also passed as --trace runs once", and the protocol that
// the 200-function day is tuning data (only its second half at seed 3 is
// reported). Passed again with --trace (make sim-eval SIM_EVAL_FLAGS='--trace
// ../shared/traces/azure2019-invitro-200fn'), the day is replayed a second
// time as a "held-out" trace named azure2019-invitro-200fn: seven more
// report cells, among them the whole day, its first half and seeds 1 and 2,
// all counted in "report cells: goal met on X of Y" as data no parameter
// was chosen on. Only a sample's label is refused, not its folder.
// Found by a review helper.
func TestTuneDayPassedAsTraceIsNotReported(t *testing.T) {
	root := t.TempDir()
	day, err := os.ReadFile(filepath.Join("testdata", "heldout", "day", "invocations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	src := DefaultSources(root)
	if err := os.Mkdir(src.Day200, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src.Day200, "invocations.csv"), day, 0o644); err != nil {
		t.Fatal(err)
	}
	src.Sample10, src.Sample2021 = "", "" // absent: left out, as sim-eval does
	cells, held, err := SelectCells(src, root, []string{src.Day200}, 0, 0, Selection{Tag: "report"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range held {
		t.Errorf("held-out trace %q from %s: the 200-function day is not held out", h.Name, h.Source)
	}
	var onDay []string
	for _, c := range cells {
		if c.Source == src.Day200 {
			onDay = append(onDay, c.Name())
		}
	}
	if len(onDay) != 3 {
		t.Errorf("report cells on the 200-function day: %d, want its 3 second-half cells:\n%q", len(onDay), onDay)
	}
}

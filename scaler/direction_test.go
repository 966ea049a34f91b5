package scaler

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestLastScaleDirectionReadsAsAWord: the explain API's state said
// "last_scale_direction": 1 or -1, which an operator reading the API (or a
// jq script) had to look up in the source. It says "up" or "down" now, is
// left out when no decision has changed the count, reads back, and a word
// it does not know is an error, not None.
func TestLastScaleDirectionReadsAsAWord(t *testing.T) {
	at := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		dir  Direction
		want string // "" when left out
	}{{Up, `"last_scale_direction":"up"`}, {UpToFloor, `"last_scale_direction":"up_to_floor"`}, {Down, `"last_scale_direction":"down"`}, {None, ""}} {
		b, err := json.Marshal(State{LastScale: at, LastScaleDir: tc.dir})
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == "" {
			if strings.Contains(string(b), "last_scale_direction") {
				t.Errorf("direction %d: %s, want last_scale_direction left out", tc.dir, b)
			}
			continue
		}
		if !strings.Contains(string(b), tc.want) {
			t.Errorf("direction %d: %s, want it to hold %s", tc.dir, b, tc.want)
		}
		var back State
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("read back %s: %v", b, err)
		}
		if back.LastScaleDir != tc.dir {
			t.Errorf("read back %s as direction %d, want %d", b, back.LastScaleDir, tc.dir)
		}
	}
	var s State
	if err := json.Unmarshal([]byte(`{"last_scale_direction":"sideways"}`), &s); err == nil || !strings.Contains(err.Error(), "sideways") {
		t.Errorf(`"sideways" read as %d, error %v; want an error naming it`, s.LastScaleDir, err)
	}
}

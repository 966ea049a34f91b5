package sim

import (
	"encoding/json"
	"testing"
)

// TestSummaryReadsTheOldRatioKey: documents written before session 50 name
// the idle ratio idle_normalised_to_fixed_10m; they are still read (sim
// --include, a held-out run's saved eval.json), and the new key wins when
// both are there.
//
// Seen failing with UnmarshalJSON removed: the old key read as 0.
func TestSummaryReadsTheOldRatioKey(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want float64
	}{
		{`{"policy":"p","idle_normalised_to_fixed_10m":1.25}`, 1.25},
		{`{"policy":"p","idle_normalised":0.5}`, 0.5},
		{`{"policy":"p","idle_normalised":0.5,"idle_normalised_to_fixed_10m":1.25}`, 0.5},
	} {
		var s Summary
		if err := json.Unmarshal([]byte(c.doc), &s); err != nil {
			t.Fatal(err)
		}
		if s.IdleNormalised != c.want || s.Policy != "p" {
			t.Errorf("%s: %+v, want idle_normalised %v", c.doc, s, c.want)
		}
	}
	b, err := json.Marshal(Summary{Policy: "p", IdleNormalised: 2})
	if err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil || back.IdleNormalised != 2 {
		t.Errorf("round trip of %s: %+v, %v", b, back, err)
	}
}

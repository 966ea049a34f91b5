package prometheus

import (
	"testing"
	"time"
)

// TestStartEpochsRenameOnlyARestartSeen: an instance back with a new start
// time after reads where it was not scraped at all was restarted meanwhile
// (renamed: its series count whole); one whose start time was missing
// while its counters were read keeps its name (those reads counted the new
// process's calls already, and the rebuild takes such a value as no
// restart); an instance missing a day is forgotten, not an hour.
func TestStartEpochsRenameOnlyARestartSeen(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	none := func(string) bool { return false }
	all := func(string) bool { return true }
	for _, tc := range []struct {
		name    string
		counted func(string) bool
		want    float64
	}{{"not scraped", none, 2000}, {"start time missing, counters read", all, 1000}} {
		var e startEpochs
		e.name(map[string]float64{"gw": 1000}, none, t0)
		gap := map[string]float64{}
		e.name(gap, tc.counted, t0.Add(15*time.Second))
		if gap["gw"] != 1000 {
			t.Errorf("%s: while missing, named %v, want the held 1000", tc.name, gap["gw"])
		}
		back := map[string]float64{"gw": 2000}
		e.name(back, none, t0.Add(30*time.Second))
		if back["gw"] != tc.want {
			t.Errorf("%s: back with start time 2000, named %v, want %v", tc.name, back["gw"], tc.want)
		}
	}
	var e startEpochs
	e.name(map[string]float64{"gw": 1000}, none, t0)
	for _, after := range []time.Duration{2 * time.Hour, 23 * time.Hour} {
		e.name(map[string]float64{}, none, t0.Add(after))
		if _, ok := e.held["gw"]; !ok {
			t.Errorf("an instance missing %v is forgotten; want it held a day", after)
		}
	}
	e.name(map[string]float64{}, none, t0.Add(25*time.Hour))
	if _, ok := e.held["gw"]; ok {
		t.Error("an instance missing 25h is still held")
	}
}

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
	var none map[string]int32
	all := map[string]int32{"gw": 0}
	for _, tc := range []struct {
		name    string
		counted map[string]int32
		want    float64
	}{{"not scraped", none, 2000}, {"start time missing, counters read", all, 1000}} {
		var e startEpochs
		e.name(map[string]float64{"gw": 1000}, all, t0) // read with its counters: a gateway's
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
	e.name(map[string]float64{"gw": 1000}, all, t0)
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

// TestStartEpochsSightAGatewayReadWithoutAStartTime: a gateway whose
// process metrics are not stored is read by its counters alone; when it
// was last read is still known (GatewaySeen), but no start time is held
// for it: held as 0, its first start time would read as a restart.
func TestStartEpochsSightAGatewayReadWithoutAStartTime(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	var e startEpochs
	if seen := e.name(map[string]float64{}, map[string]int32{"gw": 0}, t0); len(seen) != 0 {
		t.Errorf("first read: seen %v, want none", seen)
	}
	later := t0.Add(20 * time.Minute)
	read := map[string]float64{}
	if seen := e.name(read, map[string]int32{"gw": 0}, later); !seen["gw"].Equal(t0) {
		t.Errorf("back after 20 minutes: seen %v, want gw at %v", seen, t0)
	}
	if _, ok := e.held["gw"]; ok || read["gw"] != 0 {
		t.Errorf("held %v, named %v: want no start time held, named 0", e.held, read["gw"])
	}
}

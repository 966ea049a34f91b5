package metricsource

import (
	"testing"
	"time"
)

// TestTotalsDiffCountsANewSeriesLateWhenItsGatewayWentUnread: a series
// TotalsDiff never held counts late only when its gateway was missing from
// as many reads as a held series' would be (GatewaySeen): a gateway back
// after an unscraped span with its series named anew (restarted meanwhile)
// made its calls anywhere in the span; one restarted in place with one
// failed scrape, or a function first called through a gateway read all
// along, counts on time as before.
func TestTotalsDiffCountsANewSeriesLateWhenItsGatewayWentUnread(t *testing.T) {
	const step = 15 * time.Second
	t0 := time.Unix(1_800_000_000, 0)
	for _, c := range []struct {
		name   string
		missed int // reads the gateway was missing from before the one with the new series
		late   bool
	}{{"read all along", 0, false}, {"one failed scrape", 1, false}, {"unscraped for ten reads", 10, true}} {
		d := TotalsDiff{Late: 4, LateSpan: 4 * step}
		at := t0
		d.Add([]Total{{Ref: refA, Series: 1, N: 5}}, at, nil)
		seen := at
		for range c.missed {
			at = at.Add(step)
			d.Add(nil, at, nil)
		}
		at = at.Add(step)
		got := d.Add([]Total{{Ref: refA, Series: 2, N: 1, GatewaySeen: seen.UnixNano()}}, at, nil)
		if len(got) != 1 || got[0].N != 1 || got[0].Late != c.late {
			t.Errorf("%s: counted %+v, want 1 call, late %v", c.name, got, c.late)
		}
	}
}

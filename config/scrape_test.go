package config

import (
	"testing"
	"time"
)

// TestBurstWindowForFollowsTheTable: deploy/prometheus/README.md's rows
// and the chart's burst windows, and what lies between them.
func TestBurstWindowForFollowsTheTable(t *testing.T) {
	for _, c := range []struct{ scrape, want time.Duration }{
		{time.Second, 4 * time.Second}, // the recommended 1 s row
		{5 * time.Second, Default().Scaler.BurstWindow},
		{15 * time.Second, 30 * time.Second},
		{2 * time.Second, 8 * time.Second},
		{3 * time.Second, 10 * time.Second},
		{30 * time.Second, time.Minute},
	} {
		if got := BurstWindowFor(c.scrape); got != c.want {
			t.Errorf("BurstWindowFor(%s) = %s, want %s", c.scrape, got, c.want)
		}
	}
}

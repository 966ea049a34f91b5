package config

import "time"

// BurstWindowFor is scaler.burst_window for a gateway scraped every
// scrape: four scrapes up to the default 10 s, never under two scrapes.
// It is deploy/prometheus/README.md's table (1 s → 4 s, 5 s → 10 s, 15 s
// → 30 s), which the chart renders for its three scrape intervals, as one
// rule: the window the controller scales up on must hold two samples for a
// rate, and a few more where scrapes are cheap. The simulator applies it
// at --scrape (cmd/faas-autoscaler sim), so a replay at a scrape interval
// runs the setting that ships there.
func BurstWindowFor(scrape time.Duration) time.Duration {
	const def = 10 * time.Second
	return max(2*scrape, min(4*scrape, def))
}

package prometheus

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

func TestCapacityStep(t *testing.T) {
	for _, c := range []struct {
		window, interval, want time.Duration
	}{
		{time.Minute, 0, time.Second},                        // unknown: window/60, as before
		{10 * time.Minute, 0, 10 * time.Second},              // unknown: window/60 (skips samples at 5 s)
		{time.Minute, 5 * time.Second, 5 * time.Second},      // each sample once, not five times
		{10 * time.Minute, 5 * time.Second, 5 * time.Second}, // each sample, none skipped
		{time.Minute, 4615 * time.Millisecond, 4600 * time.Millisecond},
		{10 * time.Second, 15 * time.Second, 5 * time.Second}, // at least two evaluations
		{time.Minute, 50 * time.Millisecond, 100 * time.Millisecond},
	} {
		if got := capacityStep(c.window, c.interval); got != c.want {
			t.Errorf("capacityStep(%s, %s) = %s, want %s", c.window, c.interval, got, c.want)
		}
	}
}

// TestCapacityLoadStepsAtTheScrapeInterval: the source learns the scrape
// interval from the coverage series and steps the capacity subquery by it;
// it asks again only after intervalTTL (intervalUnknownTTL while unknown);
// other types never ask. Seen failing with the step left at window/60.
func TestCapacityLoadStepsAtTheScrapeInterval(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	answer := "" // the interval query's answer; "" = no full minute yet
	src, _ := fakeProm(t, func(q string) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		queries = append(queries, q)
		if strings.HasPrefix(q, "60 / max(") && answer != "" {
			return 200, vector(`{"metric":{},"value":[1700000000,"` + answer + `"]}`)
		}
		return 200, vector()
	})
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	src.now = func() time.Time { return now }
	load := func(typ string) (sent []string) {
		t.Helper()
		mu.Lock()
		queries = nil
		mu.Unlock()
		if _, err := src.Load(context.Background(), metricsource.LoadQuery{Type: typ, Window: time.Minute}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), queries...)
	}
	stepOf := func(sent []string) string {
		last := sent[len(sent)-1]
		if strings.Contains(last, "[1m0s:5s]") || strings.Contains(last, "[1m:5s]") {
			return "5s"
		}
		if strings.Contains(last, "[1m0s:1s]") || strings.Contains(last, "[1m:1s]") {
			return "1s"
		}
		return "?: " + last
	}

	if sent := load(metricsource.TypeCapacity); len(sent) != 2 || stepOf(sent) != "1s" {
		t.Fatalf("no interval known yet: sent %q, want the interval query, then the load at window/60", sent)
	}
	answer = "5"
	now = now.Add(intervalUnknownTTL / 2)
	if sent := load(metricsource.TypeCapacity); len(sent) != 1 || stepOf(sent) != "1s" {
		t.Errorf("within a minute of an unknown interval: sent %q, want the load alone at window/60", sent)
	}
	now = now.Add(intervalUnknownTTL)
	if sent := load(metricsource.TypeCapacity); len(sent) != 2 || stepOf(sent) != "5s" {
		t.Errorf("once Prometheus has full minutes: sent %q, want the interval query, then the load at 5s", sent)
	}
	now = now.Add(intervalTTL / 2)
	if sent := load(metricsource.TypeCapacity); len(sent) != 1 || stepOf(sent) != "5s" {
		t.Errorf("within the interval's TTL: sent %q, want the load alone at 5s", sent)
	}
	now = now.Add(intervalTTL)
	if sent := load(metricsource.TypeRPS); len(sent) != 1 {
		t.Errorf("an rps load sent %q, want its own query alone", sent)
	}
	if sent := load(metricsource.TypeCapacity); len(sent) != 2 {
		t.Errorf("after the TTL: sent %q, want the interval read again", sent)
	}
}

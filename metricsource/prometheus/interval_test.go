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

// TestCapacityLoadStepsAtTheScrapeInterval: the source steps the capacity
// subquery by the scrape interval LastScrape reads (the coverage series'
// median gap), at window/60 until it is known; reading it never holds a
// load (it runs in the background), it is read again a minute on, and other
// types never ask for it. Seen failing with the step left at window/60.
func TestCapacityLoadStepsAtTheScrapeInterval(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	known := false // whether the coverage series has samples yet
	src, _ := fakeProm(t, func(q string) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		queries = append(queries, q)
		if strings.HasSuffix(q, "[5m]") {
			if !known {
				return 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`
			}
			return 200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"gateway"},"values":[[1796200000,"1"],[1796200005,"1"],[1796200010,"1"]]}]}}`
		}
		return 200, vector()
	})
	now := time.Unix(1796200012, 0)
	src.now = func() time.Time { return now }
	// load runs one load of typ and waits for a phase read it started; it
	// returns the load's step and how many phase reads were sent.
	load := func(typ string) (step string, phaseReads int) {
		t.Helper()
		mu.Lock()
		queries = nil
		mu.Unlock()
		if _, err := src.Load(context.Background(), metricsource.LoadQuery{Type: typ, Window: time.Minute}); err != nil {
			t.Fatal(err)
		}
		src.phase.done.Wait()
		mu.Lock()
		defer mu.Unlock()
		step = "none"
		for _, q := range queries {
			switch {
			case strings.HasSuffix(q, "[5m]"):
				phaseReads++
			case strings.Contains(q, "[1m0s:5s]") || strings.Contains(q, "[1m:5s]"):
				step = "5s"
			case strings.Contains(q, "[1m0s:1s]") || strings.Contains(q, "[1m:1s]"):
				step = "1s"
			default:
				step = "other"
			}
		}
		return step, phaseReads
	}

	if step, reads := load(metricsource.TypeCapacity); step != "1s" || reads != 1 {
		t.Fatalf("nothing known yet: step %s, %d phase reads; want window/60 (1s) and one read started", step, reads)
	}
	known = true
	// No samples in the last read: not asked again at the next load, but
	// emptyPhaseRetry on.
	if step, reads := load(metricsource.TypeCapacity); step != "1s" || reads != 0 {
		t.Errorf("at once after a read found no samples: step %s, %d phase reads; want 1s and none", step, reads)
	}
	now = now.Add(emptyPhaseRetry)
	if step, reads := load(metricsource.TypeCapacity); step != "1s" || reads != 1 {
		t.Errorf("%s after a read found no samples: step %s, %d phase reads; want 1s and one more read", emptyPhaseRetry, step, reads)
	}
	if step, reads := load(metricsource.TypeCapacity); step != "5s" || reads != 0 {
		t.Errorf("once read: step %s, %d phase reads; want 5s and none", step, reads)
	}
	if step, reads := load(metricsource.TypeRPS); step != "other" || reads != 0 {
		t.Errorf("an rps load: step %s, %d phase reads; want its own query alone", step, reads)
	}
	now = now.Add(phaseTTL)
	if step, reads := load(metricsource.TypeCapacity); step != "5s" || reads != 1 {
		t.Errorf("a minute on: step %s, %d phase reads; want 5s (carried) and the phase read again", step, reads)
	}
}

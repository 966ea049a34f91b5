package prometheus

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRealCapacityStepsAtTheScrapeInterval, on Debian's Prometheus holding
// 15 minutes of a gateway scraped every 5 s (backfilled with promtool): the
// source reads the interval from the up series (LastScrape), and the capacity query
// stepped by it (12 evaluations a minute instead of 60) still sees every
// sample inside the window: its gauge peak is at least the highest sample
// in the window, function by function, for the stable and the burst
// windows. And it reads nothing older than one scrape interval before the
// window: a subquery's first evaluation, inside the window, reads the
// newest sample at or before it, which can be the one before the window
// (the 1 s step does the same, but its first evaluation can come later
// than a coarser step's and read a newer one, so "no more than the 1 s
// step" does not hold: CI found a stepped peak of 3 from the sample before
// the window, where the 1 s step read 1). So the gauge peak is at most the
// highest sample in the window and one interval before it, and the
// arrivals' rate peak (irate: the last two samples) at most the 1 s step's
// over that longer window. The capacity is checked from below only: its
// arrivals cap is an increase(), whose extrapolation to the range's ends is
// not monotone in the range.
//
// A subquery's evaluations are aligned to multiples of its step, not to the
// query's time, so what it reads depends on where the window falls against
// both the step's grid and the scrapes'. The pattern repeats within the two
// periods' common multiple (115 s for 4.6 s and 5 s), so the query's time
// moves across 48 points of 115 s (a single time passed here and failed in
// CI on another clock). Seen failing without the
// instant value in promql.Peak (the newest sample missed at some phases:
// peak 2 where the window's highest sample was 3), and with the step at
// twice the interval.
func TestRealCapacityStepsAtTheScrapeInterval(t *testing.T) {
	const n, scrape, phases, span = 50, 5 * time.Second, 48, 115 * time.Second
	p, now := backfilledPrometheus(t, n, scrape)
	cfg := DefaultConfig()
	cfg.URL = p.URL()
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src.scrapeInterval(t.Context()) // starts the read
	src.phase.done.Wait()
	interval := src.scrapeInterval(t.Context())
	if interval < 4600*time.Millisecond || interval > scrape {
		t.Fatalf("scrape interval read as %s, want 5s (or a little less)", interval)
	}
	for k := range phases {
		at := now.Add(-time.Second - time.Duration(k)*span/phases)
		query := func(expr string) map[model.LabelValue]model.SampleValue {
			t.Helper()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			v, _, _, err := p.API().Query(ctx, expr, at)
			if err != nil {
				t.Fatal(err)
			}
			out := map[model.LabelValue]model.SampleValue{}
			for _, s := range v.(model.Vector) {
				out[s.Metric["function_name"]] = s.Value
			}
			if len(out) != n {
				t.Fatalf("%d functions answered %s, want %d", len(out), expr, n)
			}
			return out
		}
		capacity := func(window, interval time.Duration) map[model.LabelValue]model.SampleValue {
			t.Helper()
			expr, err := loadQuery(metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: window}, DefaultMaxScrapeGap, interval, "")
			if err != nil {
				t.Fatal(err)
			}
			return query(expr)
		}
		gauge := func(window, step time.Duration) map[model.LabelValue]model.SampleValue {
			return query(promql.Peak(fmt.Sprintf(`(sum by (function_name) (%s))`, promql.MetricInflight), window, step))
		}
		rate := func(window, step time.Duration) map[model.LabelValue]model.SampleValue {
			return query(promql.Peak(fmt.Sprintf(`(sum by (function_name) (irate(%s[%s])))`, promql.MetricStarted, model.Duration(DefaultMaxScrapeGap)), window, step))
		}
		for _, window := range []time.Duration{time.Minute, 10 * time.Second} {
			step := capacityStep(window, interval)
			highest := func(w time.Duration) map[model.LabelValue]model.SampleValue {
				return query(fmt.Sprintf(`max by (function_name) (max_over_time(%s[%s]))`, promql.MetricInflight, model.Duration(w)))
			}
			inWindow, withOneBefore := highest(window), highest(window+scrape)
			stepped, steppedCap := gauge(window, step), capacity(window, interval)
			steppedRate, fineRate := rate(window, step), rate(window+scrape, capacityStep(window+scrape, 0))
			if k == 0 {
				// LoadParts' query: its max, read as the source reads it, is
				// the capacity query's answer.
				expr, err := capacityPartsQuery(window, DefaultMaxScrapeGap, interval)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				res, _, _, err := p.API().Query(ctx, expr, at)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				vals, _ := readAll(src.newValueReader(expr, true, 0), samplesOf(res.(model.Vector)))
				for fn, c := range steppedCap {
					ref, err := provider.ParseRef(string(fn), cfg.DefaultNamespace)
					if err != nil {
						t.Fatal(err)
					}
					if got, ok := vals[ref]; !ok || model.SampleValue(got) != c {
						t.Errorf("window %s, %s: the parts' max %v (present %v), want the capacity query's %v", window, fn, got, ok, c)
					}
				}
			}
			for fn, r := range steppedRate {
				if r > fineRate[fn] {
					t.Errorf("at %s, window %s, %s: arrivals' rate peak %v stepped at %s; want at most the 1 s step's over one more interval, %v",
						at.Format("15:04:05.000"), window, fn, r, step, fineRate[fn])
				}
			}
			for fn, hi := range inWindow {
				if stepped[fn] < hi || stepped[fn] > withOneBefore[fn] {
					t.Errorf("at %s, window %s, %s: gauge peak %v stepped at %s; want between the window's highest sample %v and the highest with one interval before it, %v",
						at.Format("15:04:05.000"), window, fn, stepped[fn], step, hi, withOneBefore[fn])
				}
				if steppedCap[fn] < hi {
					t.Errorf("at %s, window %s, %s: capacity %v stepped at %s; want at least the window's highest in-flight sample %v",
						at.Format("15:04:05.000"), window, fn, steppedCap[fn], step, hi)
				}
			}
		}

	}
}

// samplesOf is a client library's vector as queryVector decodes it.
func samplesOf(vec model.Vector) []sample {
	out := make([]sample, len(vec))
	for i, smp := range vec {
		fn, ok := smp.Metric["function_name"]
		out[i].Metric = sampleLabels{FunctionName: optString{v: string(fn), ok: ok}, Part: string(smp.Metric["part"]),
			Counter: string(smp.Metric["counter"]), Check: string(smp.Metric["check"])}
		out[i].Value = pointJSON{ts: float64(smp.Timestamp) / 1000, v: float64(smp.Value)}
	}
	return out
}

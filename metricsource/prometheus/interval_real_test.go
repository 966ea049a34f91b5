package prometheus

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestRealCapacityStepsAtTheScrapeInterval, on Debian's Prometheus holding
// 15 minutes of a gateway scraped every 5 s (backfilled with promtool): the
// source reads the interval from the up series, and the capacity query
// stepped by it (12 evaluations a minute instead of 60) still sees every
// sample inside the window: its gauge peak is at least the highest sample
// in the window, function by function, for the stable and the burst
// windows. It reads nothing the 1 s step does not: both its gauge peak and
// its capacity are at most the 1 s step's. (The 1 s step's first evaluation
// also reads the last sample before the window, up to one interval older
// than the window; a coarser step does only when its first evaluation
// falls before the window's first sample.)
//
// A subquery's evaluations are aligned to multiples of its step, not to the
// query's time, so whether its last one falls before the newest sample
// depends on the phase: the query's time moves across ten phases of a
// scrape interval. Seen failing without the instant value in promql.Peak
// (the newest sample missed at some phases: peak 0 where the window held
// 1), and with the step at twice the interval.
func TestRealCapacityStepsAtTheScrapeInterval(t *testing.T) {
	const n, scrape, phases = 50, 5 * time.Second, 10
	promtool := teststack.NeedBinary(t, "promtool")
	p := teststack.Prometheus(t, teststack.PromOptions{})
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Minute)
	in := filepath.Join(t.TempDir(), "gateway.om")
	if err := writeGatewayHistory(in, n, now.Add(-15*time.Minute), now, scrape); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", in, filepath.Join(p.DataDir(), "data")).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	if err := p.Start(); err != nil {
		t.Fatalf("restart: %v\n%s", err, p.Logs())
	}
	cfg := DefaultConfig()
	cfg.URL = p.URL()
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	interval := src.scrapeInterval(t.Context())
	if interval < 4600*time.Millisecond || interval > scrape {
		t.Fatalf("scrape interval read as %s, want 5s (or a little less)", interval)
	}
	for k := range phases {
		at := now.Add(-time.Second - time.Duration(k)*scrape/phases)
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
			expr, err := loadQuery(metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: window}, DefaultMaxScrapeGap, interval)
			if err != nil {
				t.Fatal(err)
			}
			return query(expr)
		}
		gauge := func(window, step time.Duration) map[model.LabelValue]model.SampleValue {
			return query(promql.Peak(fmt.Sprintf(`(sum by (function_name) (%s))`, promql.MetricInflight), window, step))
		}
		for _, window := range []time.Duration{time.Minute, 10 * time.Second} {
			step := capacityStep(window, interval)
			inWindow := query(fmt.Sprintf(`max by (function_name) (max_over_time(%s[%s]))`, promql.MetricInflight, model.Duration(window)))
			stepped, fine := gauge(window, step), gauge(window, capacityStep(window, 0))
			steppedCap, fineCap := capacity(window, interval), capacity(window, 0)
			for fn, hi := range inWindow {
				if stepped[fn] < hi || stepped[fn] > fine[fn] {
					t.Errorf("at %s, window %s, %s: gauge peak %v stepped at %s; want between the window's highest sample %v and the 1 s step's %v",
						at.Format("15:04:05.000"), window, fn, stepped[fn], step, hi, fine[fn])
				}
				if steppedCap[fn] < hi || steppedCap[fn] > fineCap[fn] {
					t.Errorf("at %s, window %s, %s: capacity %v stepped at %s; want between the window's highest in-flight sample %v and the 1 s step's %v",
						at.Format("15:04:05.000"), window, fn, steppedCap[fn], step, hi, fineCap[fn])
				}
			}
		}
	}
}

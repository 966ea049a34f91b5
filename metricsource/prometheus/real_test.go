package prometheus

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var (
	busy     = provider.Ref{Name: "busy", Namespace: "openfaas-fn"}
	slow     = provider.Ref{Name: "slow", Namespace: "team"}
	flat     = provider.Ref{Name: "flat", Namespace: "openfaas-fn"}
	newcomer = provider.Ref{Name: "newcomer", Namespace: "openfaas-fn"}
	legacy   = provider.Ref{Name: "legacy", Namespace: "openfaas-fn"} // no started counter
	missing  = provider.Ref{Name: "missing", Namespace: "openfaas-fn"}
	burstFn  = provider.Ref{Name: "burst", Namespace: "openfaas-fn"} // no in-flight gauge
	longFn   = provider.Ref{Name: "long", Namespace: "openfaas-fn"}  // no in-flight gauge
)

// TestRealPrometheus runs the source against a real Prometheus scraping a
// test gateway exporter every second. One server for all subtests: the first
// scrape alone takes ~5 s.
func TestRealPrometheus(t *testing.T) {
	ex := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(ex.Registry)

	// Load: busy 10/s (bare name, qualified by the default namespace), slow
	// 4/s; flat counted once long ago; missing never.
	ctx, stopLoad := context.WithCancel(context.Background())
	t.Cleanup(stopLoad)
	gw.Total.WithLabelValues("flat", "200").Add(5)
	gw.Started.WithLabelValues("flat").Add(5)
	gw.Inflight.WithLabelValues("busy").Set(3)
	go func() {
		// Counts follow elapsed time, not ticks: on a busy machine ticks are
		// dropped, and the rates must stay exact.
		start := time.Now()
		var busyDone, slowDone, legacyDone int
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			el := time.Since(start).Seconds()
			for ; busyDone < int(el*10); busyDone++ { // 10/s, half of them answering 500
				code := "200"
				if busyDone%2 == 0 {
					code = "500"
				}
				gw.Total.WithLabelValues("busy", code).Inc()
				gw.Started.WithLabelValues("busy").Inc()
			}
			for ; legacyDone < int(el*2); legacyDone++ { // 2/s, invocation counter only
				gw.Total.WithLabelValues("legacy", "200").Inc()
			}
			for ; slowDone < int(el*4); slowDone++ { // 4/s
				gw.Total.WithLabelValues("slow.team", "200").Inc()
				gw.Started.WithLabelValues("slow.team").Inc()
			}
		}
	}()

	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeTargets: []teststack.Target{{Job: "gateway", URL: ex.Addr()}},
	})
	src := gatewaySource(t, prom, func(c *Config) { c.MaxScrapeGap = 3 * time.Second })
	const window = 8 * time.Second

	prom.WaitUp(t, "gateway")
	firstScrape := time.Now()

	t.Run("not covered right after the first scrape", func(t *testing.T) {
		act, err := src.Activity(context.Background(), window)
		if err != nil {
			t.Fatal(err)
		}
		if act.Covered {
			t.Fatalf("covered %s after the first scrape, window %s", time.Since(firstScrape), window)
		}
	})

	t.Run("covered once the window has been scraped", func(t *testing.T) {
		waitFor(t, "coverage", func() bool {
			act, err := src.Activity(context.Background(), window)
			return err == nil && act.Covered
		})
		if since := time.Since(firstScrape); since < window-2*time.Second {
			t.Fatalf("covered only %s after the first scrape, window %s", since, window)
		}
	})

	t.Run("rps per function", func(t *testing.T) {
		got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		within(t, "busy", got, busy, 10, 0.25)
		within(t, "slow", got, slow, 4, 0.25)
		if v, ok := got[flat]; !ok || v != 0 {
			t.Errorf("flat = %v (present %v), want 0 and present", v, ok)
		}
		if v, ok := got[missing]; ok {
			t.Errorf("missing present with %v, want absent", v)
		}
	})

	t.Run("capacity is the in-flight peak", func(t *testing.T) {
		gw.Inflight.WithLabelValues("busy").Set(7)
		waitFor(t, "in-flight peak of 7", func() bool {
			got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 5 * time.Second})
			return err == nil && got[busy] == 7
		})
		gw.Inflight.WithLabelValues("busy").Set(3)
		waitFor(t, "in-flight now 3", func() bool {
			act, err := src.Activity(context.Background(), window)
			return err == nil && act.Inflight[busy] == 3
		})
		got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if got[busy] != 7 {
			t.Errorf("capacity over 5s after a drop to 3 = %v, want the peak 7", got[busy])
		}
	})

	t.Run("capacity counts the arrivals between scrapes", func(t *testing.T) {
		// No gauge for these two: arrivals and the duration histogram, as an
		// OpenFaaS CE gateway exports them. The series exist first (irate
		// and rate need two scrapes of them), then one request ends, which
		// gives each a mean duration: 0.1 s and 30 s.
		capacity := func(ref provider.Ref) (float64, bool) {
			got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 5 * time.Second})
			if err != nil {
				return 0, false
			}
			v, ok := got[ref]
			return v, ok
		}
		mean := map[string]float64{"burst": 0.1, "long": 30}
		for name := range mean {
			gw.Started.WithLabelValues(name)
			gw.Seconds.WithLabelValues(name, "200")
		}
		waitFor(t, "two scrapes of the new series", func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			v, _, _, err := prom.API().Query(ctx, `count_over_time(gateway_functions_seconds_count{function_name=~"burst|long"}[1m]) >= 2`, time.Now())
			vec, ok := v.(model.Vector)
			return err == nil && ok && len(vec) == 2
		})
		for name, d := range mean {
			gw.Seconds.WithLabelValues(name, "200").Observe(d)
		}
		waitFor(t, "burst and long in the capacity load", func() bool {
			_, a := capacity(burstFn)
			_, b := capacity(longFn)
			return a && b
		})
		// 40 requests of 0.1 s arrive and end within one 1 s scrape
		// interval: 4 in flight on average, though a gauge would have read
		// 0 at both scrapes. Two requests of 30 s arrive: two in flight,
		// not the 60 their rate × mean duration would say.
		gw.Started.WithLabelValues("burst").Add(40)
		for range 40 {
			gw.Seconds.WithLabelValues("burst", "200").Observe(0.1)
		}
		gw.Started.WithLabelValues("long").Add(2)
		var b, l float64
		waitFor(t, "the arrivals in the capacity load", func() bool {
			b, _ = capacity(burstFn)
			l, _ = capacity(longFn)
			// 2, not 4: a scrape delayed under load makes the interval
			// longer than 1 s and its rate lower.
			return b >= 2 && l >= 1.5
		})
		if b > 4.5 {
			t.Errorf("burst: capacity %v, want about 4 (40 arrivals of 0.1 s in a 1 s interval)", b)
		}
		// increase() extrapolates the window's 2 arrivals to the range's
		// ends: by up to range ÷ (range − one interval), 8/6 here.
		if l > 3 {
			t.Errorf("long: capacity %v, want about 2 (two arrivals), at most 8/6 of it", l)
		}
	})

	t.Run("activity", func(t *testing.T) {
		act, err := src.Activity(context.Background(), window)
		if err != nil {
			t.Fatal(err)
		}
		within(t, "busy started", act.Started, busy, 10*window.Seconds(), 0.3)
		within(t, "legacy started (from the invocation counter)", act.Started, legacy, 2*window.Seconds(), 0.3)
		if v, ok := act.Started[flat]; !ok || v != 0 {
			t.Errorf("flat started = %v (present %v), want 0 and present", v, ok)
		}
		if _, ok := act.Started[missing]; ok {
			t.Error("missing present in Started")
		}
		// The feeder's one-query read names the same functions (its
		// values move with the live load between the two reads).
		counts, err := src.StartedCounts(context.Background(), window, nil)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[provider.Ref]bool{}
		for _, c := range counts {
			seen[c.Ref] = true
			if _, ok := act.Started[c.Ref]; !ok {
				t.Errorf("StartedCounts has %s, Activity's Started has not", c.Ref)
			}
			if c.Ref == flat && c.N != 0 {
				t.Errorf("StartedCounts: flat = %v, want 0", c.N)
			}
		}
		for ref := range act.Started {
			if !seen[ref] {
				t.Errorf("Activity's Started has %s, StartedCounts has not", ref)
			}
		}
		if act.Inflight == nil {
			t.Fatal("Inflight is nil though the gateway exports it")
		}
		// No gauge series: its 5 calls started and its 5 ended.
		if v, ok := act.Inflight[flat]; !ok || v != 0 {
			t.Errorf("flat in flight = %v (present %v), want 0 from its counters", v, ok)
		}
		if v := act.Inflight[busy]; v != 3 {
			t.Errorf("busy in flight = %v, want the gauge's 3", v)
		}
	})

	t.Run("the counters' difference between two times", func(t *testing.T) {
		// The keep-alive feeder's cheap read: the counters at a step's
		// start and end, their difference per function. The same calls
		// as Activity's Started over that window (busy's and slow's
		// started counters, legacy's invocation counter), flat's none.
		end := time.Now()
		var d metricsource.TotalsDiff
		for _, at := range []time.Time{end.Add(-window), end} {
			totals, err := src.StartedTotals(context.Background(), at, nil)
			if err != nil {
				t.Fatal(err)
			}
			counts := d.Add(totals, at, nil)
			if at.Equal(end) {
				got := metricsource.Values{}
				for _, c := range counts {
					got[c.Ref] = c.N
				}
				within(t, "busy's calls", got, busy, 10*window.Seconds(), 0.3)
				within(t, "slow's calls", got, slow, 4*window.Seconds(), 0.3)
				within(t, "legacy's calls (from the invocation counter)", got, legacy, 2*window.Seconds(), 0.3)
				for _, ref := range []provider.Ref{flat, missing} {
					if v, ok := got[ref]; ok {
						t.Errorf("%s counted %v calls, want none", ref, v)
					}
				}
			}
		}
	})

	t.Run("without a gauge, in flight is started minus ended", func(t *testing.T) {
		// OpenFaaS CE has no in-flight gauge. Three calls started, two
		// ended (under both forms of the name, which a subtraction in
		// PromQL would not match): one runs on, started before any
		// window the idler asks about once it has run long enough.
		ce := provider.Ref{Name: "ce", Namespace: "openfaas-fn"}
		gw.Started.WithLabelValues("ce").Add(3)
		gw.Total.WithLabelValues("ce.openfaas-fn", "200").Inc()
		gw.Total.WithLabelValues("ce", "502").Inc()
		waitFor(t, "ce: 1 in flight", func() bool {
			act, err := src.Activity(context.Background(), window)
			return err == nil && act.Inflight[ce] == 1
		})
		gw.Total.WithLabelValues("ce", "200").Inc()
		waitFor(t, "ce: 0 in flight once the call ended", func() bool {
			act, err := src.Activity(context.Background(), window)
			v, ok := act.Inflight[ce]
			return err == nil && ok && v == 0
		})
	})

	t.Run("a counter that first appears within the window counts", func(t *testing.T) {
		gw.Started.WithLabelValues("newcomer").Inc()
		var got float64
		waitFor(t, "newcomer in Started", func() bool {
			act, err := src.Activity(context.Background(), window)
			if err != nil {
				return false
			}
			got = act.Started[newcomer]
			return got > 0
		})
		// Several scrapes of a constant 1: increase() alone would say 0.
		// Wait for them as an event (three samples stored), not a sleep.
		waitFor(t, "three samples of newcomer", func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			v, _, _, err := prom.API().Query(ctx, `count_over_time(gateway_function_invocation_started{function_name="newcomer"}[1m])`, time.Now())
			vec, ok := v.(model.Vector)
			return err == nil && ok && len(vec) == 1 && vec[0].Value >= 3
		})
		act, err := src.Activity(context.Background(), window)
		if err != nil {
			t.Fatal(err)
		}
		if act.Started[newcomer] < 1 {
			t.Fatalf("newcomer started = %v after several scrapes, want >= 1", act.Started[newcomer])
		}
	})

	t.Run("custom and absent types", func(t *testing.T) {
		for _, typ := range []string{metricsource.TypeCPU, metricsource.TypeQueue, `latency"} or vector(1) # `} {
			got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: typ, Window: 5 * time.Second})
			if err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			if len(got) != 0 {
				t.Fatalf("%s: %v, want no functions (no series)", typ, got)
			}
		}
	})

	t.Run("bad selector is a plain error", func(t *testing.T) {
		bad := src.cfg
		bad.CoverageSelector = `up{job=~"("}`
		s, err := New(bad)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Activity(context.Background(), window)
		if err == nil || errors.Is(err, metricsource.ErrUnavailable) {
			t.Fatalf("err = %v, want a plain query error", err)
		}
	})

	t.Run("restart breaks coverage", func(t *testing.T) {
		if err := prom.Stop(); err != nil {
			t.Fatal(err)
		}
		_, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 5 * time.Second})
		if !errors.Is(err, metricsource.ErrUnavailable) {
			t.Fatalf("Load with Prometheus stopped: err = %v, want ErrUnavailable", err)
		}
		_, err = src.Activity(context.Background(), window)
		if !errors.Is(err, metricsource.ErrUnavailable) {
			t.Fatalf("Activity with Prometheus stopped: err = %v, want ErrUnavailable", err)
		}
		if err := prom.Start(); err != nil {
			t.Fatal(err)
		}
		prom.WaitUp(t, "gateway") // ≥ 5 s without samples: longer than MaxScrapeGap
		act, err := src.Activity(context.Background(), window)
		if err != nil {
			t.Fatal(err)
		}
		if act.Covered {
			t.Fatal("covered across a ~5 s scrape gap (max gap 3s)")
		}
		if act.Started[busy] <= 0 {
			t.Errorf("busy started = %v after restart, want > 0", act.Started[busy])
		}
	})
}

func within(t *testing.T, what string, got metricsource.Values, ref provider.Ref, want, tol float64) {
	t.Helper()
	v, ok := got[ref]
	if !ok {
		t.Errorf("%s: absent, want %v", what, want)
		return
	}
	if math.Abs(v-want) > tol*want {
		t.Errorf("%s = %.2f, want %v ± %.0f%%", what, v, want, tol*100)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, teststack.WaitTimeout, what, cond)
}

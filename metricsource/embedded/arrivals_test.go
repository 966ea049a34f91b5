package embedded

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// gw is one function's gateway series, moved by the test between scrapes.
type gw struct {
	inflight float64 // < 0: no in-flight gauge (an OpenFaaS CE gateway)
	started  float64 // < 0: no started counter (the invocation counter only)
	total    float64
	sum, n   float64 // the duration histogram's sum and count
}

// call records k requests of d seconds each that arrived and ended within
// the same interval.
func (g *gw) call(k int, d float64) {
	g.started += float64(k)
	g.total += float64(k)
	g.sum += float64(k) * d
	g.n += float64(k)
}

func (g gw) samples() []Sample { return g.samplesOf("a") }

// samplesOf is samples for a function of another name.
func (g gw) samplesOf(name string) []Sample {
	out := []Sample{
		{Metric: MetricTotal, FunctionName: name, Code: "200", Value: g.total},
		{Metric: MetricSecondsSum, FunctionName: name, Code: "200", Value: g.sum},
		{Metric: MetricSecondsCount, FunctionName: name, Code: "200", Value: g.n},
	}
	if g.started >= 0 {
		out = append(out, Sample{Metric: MetricStarted, FunctionName: name, Value: g.started})
	}
	if g.inflight >= 0 {
		out = append(out, Sample{Metric: MetricInflight, FunctionName: name, Value: g.inflight})
	}
	return out
}

// capacity is function a's capacity load over window, asked at now.
func capacity(t *testing.T, clk *fixedClock, src *Source, now time.Time, window time.Duration) (float64, bool) {
	t.Helper()
	clk.t = now
	v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: window})
	if err != nil {
		t.Fatalf("capacity over %s: %v", window, err)
	}
	got, ok := v[fnRef("a")]
	return got, ok
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestArrivalsBringTheirShareOfTheInterval: the in-flight gauge reads 0 at
// every scrape, yet requests came and went between scrapes. Each arrival
// counts for min(mean duration, interval) ÷ interval, the mean taken from
// the histogram; the totals of the source's first scrape are history, not
// an interval.
func TestArrivalsBringTheirShareOfTheInterval(t *testing.T) {
	for _, g0 := range []gw{{inflight: 0}, {inflight: -1}, {inflight: 0, started: -1}} {
		clk, src := newSecondSource(t)
		t0 := clk.t
		at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
		g := g0
		g.call(10, 100) // before the source started: 10 requests of 100 s
		for s := 0; s <= 9; s++ {
			switch s {
			case 4:
				g.call(40, 0.1) // 40 arrivals, mean 0.1 s: 40 × 0.1 / 1 = 4
			case 7:
				g.call(10, 0.5) // 10 arrivals, mean over (0, 7] (4 + 5) s / 50
			}
			src.Observe(at(s), g.samples())
		}
		for _, c := range []struct {
			now    int
			window time.Duration
			want   float64
		}{
			{3, 3 * time.Second, 0}, // the first scrape's 1,000 s are history
			{4, 2 * time.Second, 4}, // the arrivals between seconds 3 and 4
			{6, time.Second, 0},     // after them (a window holds the value in effect at its start)
			{7, 2 * time.Second, 10 * 9.0 / 50},
			{9, 10 * time.Second, 4},        // the peak over the whole history
			{9, 1500 * time.Millisecond, 0}, // nothing since second 7
		} {
			want := c.want
			got, ok := capacity(t, clk, src, at(c.now).Add(500*time.Millisecond), c.window)
			if !ok || !near(got, want) {
				t.Errorf("%+v: capacity at %d.5 s over %s = %v (present %v), want %v", g0, c.now, c.window, got, ok, want)
			}
		}
	}
}

// TestLongRequestsCountAsOneEach: requests of 30 s, two arriving in a 1 s
// interval, are two in flight (Little's law would say 60 at that rate, but
// the rate lasted one second).
func TestLongRequestsCountAsOneEach(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	g := gw{inflight: -1}
	for s := 0; s <= 36; s++ {
		switch s {
		case 5:
			g.started += 10 // ten arrive…
			g.total += 10
		case 35:
			g.sum, g.n = 300, 10 // …and end: the mean is 30 s
		case 36:
			g.started += 2 // two arrive
			g.total += 2
		}
		src.Observe(t0.Add(time.Duration(s)*time.Second), g.samples())
	}
	if got, _ := capacity(t, clk, src, t0.Add(36500*time.Millisecond), time.Second); got != 2 {
		t.Fatalf("capacity %v, want 2", got)
	}
}

// TestALongRequestCountsForItsShare: a function serving 40 requests a
// second of 50 ms (2 in flight) and, once a minute, one of 60 s (1 more).
// The gateway adds the long one's 60 s when it ends, in one 5 s interval;
// read per interval that is 12 in flight for 5 s. Over the mean's window
// it is its share: the load stays near 3 and never near 14.
func TestALongRequestCountsForItsShare(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	g := gw{inflight: -1}
	var peak float64
	for s := 0; s <= 900; s += 5 {
		g.call(200, 0.05)
		if s%60 == 0 && s > 0 {
			// One request of 60 s ends: it started a minute ago.
			g.started++
			g.total++
			g.sum += 60
			g.n++
		}
		now := t0.Add(time.Duration(s) * time.Second)
		src.Observe(now, g.samples())
		if s >= 6*60 { // the mean's window has filled
			v, _ := capacity(t, clk, src, now.Add(500*time.Millisecond), 5*time.Second)
			peak = max(peak, v)
		}
	}
	if peak < 2.5 || peak > 3.5 {
		t.Errorf("peak capacity %v, want about 3 (2 for the short requests, 1 for the long ones)", peak)
	}
}

// TestArrivalsUnknownAreMissing: with no request ended within the mean's
// window there is no duration to weigh arrivals by (and the source's first
// scrape gives no interval): the gauge alone answers, and
// without it the function is absent, not at 0.
func TestArrivalsUnknownAreMissing(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	g := gw{inflight: -1}
	src.Observe(t0, g.samples())
	g.started, g.total = 5, 5 // 5 arrivals, none ended yet
	src.Observe(t0.Add(time.Second), g.samples())
	if v, ok := capacity(t, clk, src, t0.Add(1500*time.Millisecond), time.Second); ok {
		t.Fatalf("capacity %v with no request ended: want absent", v)
	}
	g.inflight = 5
	src.Observe(t0.Add(2*time.Second), g.samples())
	if v, ok := capacity(t, clk, src, t0.Add(2500*time.Millisecond), time.Second); !ok || v != 5 {
		t.Fatalf("capacity %v (present %v): want the gauge's 5", v, ok)
	}
}

// TestArrivalsAcrossAReset: a gateway restart (counters back near 0)
// counts from 0, as rate() does, and codes of the histogram add up.
func TestArrivalsAcrossAReset(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	obs := func(s int, started, okSum, okN, errSum, errN float64) {
		src.Observe(t0.Add(time.Duration(s)*time.Second), []Sample{
			{Metric: MetricStarted, FunctionName: "a", Value: started},
			{Metric: MetricSecondsSum, FunctionName: "a", Code: "200", Value: okSum},
			{Metric: MetricSecondsCount, FunctionName: "a", Code: "200", Value: okN},
			{Metric: MetricSecondsSum, FunctionName: "a", Code: "500", Value: errSum},
			{Metric: MetricSecondsCount, FunctionName: "a", Code: "500", Value: errN},
		})
	}
	obs(0, 100, 10, 90, 1, 10)
	obs(1, 120, 12, 108, 1.4, 12) // 20 arrivals; mean over (0, 1]: 2.4 s / 20 = 0.12 s
	if got, _ := capacity(t, clk, src, t0.Add(1500*time.Millisecond), time.Second); !near(got, 20*0.12) {
		t.Fatalf("two codes: capacity %v, want %v", got, 20*0.12)
	}
	obs(2, 10, 0.5, 10, 0, 0) // restarted: 10 arrivals since, 0.5 s for 10 ended
	obs(3, 10, 0.5, 10, 0, 0)
	// The mean over (0, 3]: (2.4 + 0.5) s for 30 requests.
	if got, _ := capacity(t, clk, src, t0.Add(3500*time.Millisecond), time.Second); !near(got, 10*2.9/30) {
		t.Fatalf("after a reset: capacity %v, want %v", got, 10*2.9/30)
	}
}

// TestParseReadsTheDurationHistogram: the gateway's histogram gives its sum
// and count per series, typed or (without a TYPE line) untyped.
func TestParseReadsTheDurationHistogram(t *testing.T) {
	want := []Sample{
		{Metric: MetricSecondsSum, FunctionName: "figlet.openfaas-fn", Code: "200", Value: 3.5},
		{Metric: MetricSecondsCount, FunctionName: "figlet.openfaas-fn", Code: "200", Value: 7},
	}
	typed := `# TYPE gateway_functions_seconds histogram
gateway_functions_seconds_bucket{code="200",function_name="figlet.openfaas-fn",le="0.5"} 6
gateway_functions_seconds_bucket{code="200",function_name="figlet.openfaas-fn",le="+Inf"} 7
gateway_functions_seconds_sum{code="200",function_name="figlet.openfaas-fn"} 3.5
gateway_functions_seconds_count{code="200",function_name="figlet.openfaas-fn"} 7
`
	untyped := `gateway_functions_seconds_sum{code="200",function_name="figlet.openfaas-fn"} 3.5
gateway_functions_seconds_count{code="200",function_name="figlet.openfaas-fn"} 7
`
	for name, body := range map[string]string{"typed": typed, "untyped": untyped} {
		got, err := parse(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: samples (-want +got):\n%s", name, diff)
		}
	}
}

// TestArrivalsKeepOnlyWhatTheyAreReadFor: a busy function's histogram and
// arrivals change at every scrape; they keep the mean's window and the
// longest capacity window asked, while its counters keep the retention.
func TestArrivalsKeepOnlyWhatTheyAreReadFor(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	g := gw{inflight: -1}
	const scrapes = 1000
	for s := range scrapes {
		g.call(10+s%3, 0.1)
		now := t0.Add(time.Duration(s) * time.Second)
		src.Observe(now, g.samples())
		if s == 5 {
			capacity(t, clk, src, now.Add(500*time.Millisecond), 10*time.Second)
		}
	}
	src.mu.RLock()
	defer src.mu.RUnlock()
	fn := src.st.fns[fnRef("a")]
	points := func(k metricKind, code string) int {
		key := seriesKey{kind: k, code: code}
		if k != kindArrivals {
			key.name = "a"
		}
		s := fn.find(key)
		if s == nil {
			t.Fatalf("no series of kind %d", k)
		}
		return len(s.pts)
	}
	mean := int(MeanDurationWindow/time.Second) + 2
	if n := points(kindSecondsSum, "200"); n > mean {
		t.Errorf("histogram sum: %d points kept, want at most %d (the mean's window)", n, mean)
	}
	if n := points(kindSecondsCount, "200"); n > mean {
		t.Errorf("histogram count: %d points kept, want at most %d", n, mean)
	}
	if n := points(kindArrivals, ""); n > 12 {
		t.Errorf("arrivals: %d points kept, want at most 12 (the 10 s capacity window)", n)
	}
	if n := points(kindStarted, ""); n < scrapes-10 {
		t.Errorf("started counter: %d points kept, want the retention's (about %d)", n, scrapes)
	}
}

package embedded

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestSeriesOfSeveralGatewayReplicasAddUp: an exposition that carries
// several gateway replicas' series (told apart by a label the source does
// not otherwise keep, such as instance or pod: a merged or federated
// /metrics) has one series per replica, and the function's counts are their
// sum, as Prometheus' sum(rate(...)) by (function_name) reads them. Here
// "a" is called 5 times a second only through gw-2, while gw-1's counter
// stands still, and then gw-1 restarts: its counter resets on its series
// alone. Seen failing before the fix (only the first series of a function
// was kept, the others read as duplicates and dropped): "started over 10s
// through gw-2 = 0 (present true); want 50" — a function called five times
// a second read as idle over a covered window.
func TestSeriesOfSeveralGatewayReplicasAddUp(t *testing.T) {
	var bodies []string
	for i := range 12 {
		gw1 := 100 // gw-1: no calls
		if i >= 6 {
			gw1 = 2 * (i - 5) // gw-1 restarted at scrape 6: 2, 4, ... from 0
		}
		bodies = append(bodies, "# TYPE gateway_function_invocation_started counter\n"+
			"gateway_function_invocation_started{function_name=\"a.openfaas-fn\",instance=\"gw-1\"} "+itoa(gw1)+"\n"+
			"gateway_function_invocation_started{function_name=\"a.openfaas-fn\",instance=\"gw-2\"} "+itoa(40+5*i)+"\n"+
			"# TYPE gateway_function_invocation_total counter\n"+
			"gateway_function_invocation_total{code=\"200\",function_name=\"a.openfaas-fn\",instance=\"gw-1\"} "+itoa(gw1)+"\n"+
			"gateway_function_invocation_total{code=\"200\",function_name=\"a.openfaas-fn\",instance=\"gw-2\"} "+itoa(40+5*i)+"\n")
	}
	src, errs := scrapesOf(t, bodies)
	if len(errs) > 0 {
		t.Fatalf("scrapes failed: %v", errs[0])
	}
	ctx := context.Background()
	// Scrapes 0..5: only gw-2 moves.
	early, err := scrapesOfPrefix(t, bodies[:6])
	if err != nil {
		t.Fatal(err)
	}
	act, err := early.Activity(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := act.Started[fnRef("a")]; got != 25 {
		t.Errorf("started over 5s through gw-2 = %v (present %v); want 25", got, ok)
	}
	// Over the last 5 scrapes (6..11 from baseline 6): gw-2 5/s, gw-1 2/s
	// since its restart.
	act, err = src.Activity(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := act.Started[fnRef("a")]; got != 35 {
		t.Errorf("started over 5s through both replicas = %v (present %v); want 35", got, ok)
	}
	// Across gw-1's restart (baseline scrape 1): gw-2 50, gw-1 its new 12
	// (a reset of its series alone, counted from 0).
	act, err = src.Activity(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := act.Started[fnRef("a")]; got != 62 {
		t.Errorf("started over 10s through both replicas, one restarted = %v (present %v); want 62", got, ok)
	}
	rps, err := src.Load(ctx, metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := rps[fnRef("a")]; got != 6.2 {
		t.Errorf("rps over 10s = %v; want 6.2 (62 calls over both replicas)", got)
	}
}

// scrapesOfPrefix is scrapesOf without the failure list.
func scrapesOfPrefix(t *testing.T, bodies []string) (*Source, error) {
	src, errs := scrapesOf(t, bodies)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return src, nil
}

// TestForgottenFunctionsNamesAreForgotten: the function_name → ref cache
// must not outlive the functions it resolves. Functions come and go (a CI
// that deploys a preview per branch; every series a gateway restart drops);
// the store forgets a function a retention after its series go, and its
// names must go too, or the cache holds every name ever scraped: here
// 20,000 functions, each scraped once, over 5h40m. Seen failing before the
// fix: "20001 function names cached for 304 functions in the store".
func TestForgottenFunctionsNamesAreForgotten(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Interval = time.Second
	cfg.Retention = 2 * time.Second // raised to the mean duration window's 5m
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	const n = 20_000
	for i := range n {
		src.Observe(t0.Add(time.Duration(i)*time.Second), []Sample{
			{Metric: MetricStarted, FunctionName: "steady.openfaas-fn", Value: float64(i)},
			{Metric: MetricStarted, FunctionName: "f-" + itoa(i) + ".openfaas-fn", Value: 1},
		})
	}
	src.mu.RLock()
	defer src.mu.RUnlock()
	if fns, names := len(src.st.fns), len(src.st.refs); names > n/4 {
		t.Errorf("%d function names cached for %d functions in the store", names, fns)
	}
	if _, ok := src.st.fns[fnRef("steady")]; !ok {
		t.Error("the steady function was forgotten")
	}
}

// TestInstanceIsTheSameWhateverTheLabelOrder: the text format does not fix
// the order of a series' labels; an exposition that lists them in another
// order must not make a new series (which would read as a reset).
func TestInstanceIsTheSameWhateverTheLabelOrder(t *testing.T) {
	a, err := parse(strings.NewReader("gateway_function_invocation_started{pod=\"gw-1\",function_name=\"a\",instance=\"10.0.0.1:8082\"} 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := parse(strings.NewReader("gateway_function_invocation_started{instance=\"10.0.0.1:8082\",function_name=\"a\",pod=\"gw-1\"} 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 1 || len(b) != 1 || a[0].Instance != b[0].Instance || a[0].Instance != `instance="10.0.0.1:8082",pod="gw-1"` {
		t.Errorf("instance %q and %q for the same labels in another order", a[0].Instance, b[0].Instance)
	}
	one, err := parse(strings.NewReader("gateway_function_invocation_total{code=\"200\",function_name=\"a\"} 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if one[0].Instance != "" {
		t.Errorf("instance %q for a gateway's own series, want none", one[0].Instance)
	}
}

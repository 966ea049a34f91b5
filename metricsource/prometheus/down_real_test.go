package prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// failableGateway is a gateway replica's /metrics that answers 503 while
// failing is set (a replica too busy to answer its scrapes).
type failableGateway struct {
	gw      *teststack.GatewayMetrics
	addr    string
	failing atomic.Bool
}

func newFailableGateway(t *testing.T) *failableGateway {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := &failableGateway{gw: teststack.NewGatewayMetrics(reg)}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.failing.Load() {
			http.Error(w, "gateway overloaded", http.StatusServiceUnavailable)
			return
		}
		metrics.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.addr = strings.TrimPrefix(srv.URL, "http://")
	return g
}

// TestOneGatewayReplicaDown: two gateway replicas, a and b, scraped as two
// instances of one job. While b's scrapes fail, and again once b's target
// has left discovery while a stays, the sums lose b's share: DownGateways
// names b, so the scaler holds its counts, and the activity is not
// covered, so the idler idles nothing. A call through b after its last
// scrape ("rare", invoked on a an hour ago) is seen by no query: before
// the fix the activity read as covered with rare at 0 started, and the
// idler would have scaled it to zero.
func TestOneGatewayReplicaDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	a, b := newFailableGateway(t), newFailableGateway(t)
	rare := provider.Ref{Name: "rare", Namespace: "openfaas-fn"}
	a.gw.Started.WithLabelValues("rare").Inc()
	b.gw.Started.WithLabelValues("rare")
	both := teststack.PromOptions{ScrapeInterval: time.Second, ScrapeTargets: []teststack.Target{
		{Job: "gateway", URL: a.addr}, {Job: "gateway", URL: b.addr}}}
	p := teststack.Prometheus(t, both)
	src := gatewaySource(t, p, func(c *Config) { c.MaxScrapeGap = 3 * time.Second })
	const window = 6 * time.Second
	ctx := context.Background()
	down := func() []string {
		t.Helper()
		got, err := src.DownGateways(ctx, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	activity := func() metricsource.Activity {
		t.Helper()
		act, err := src.Activity(ctx, window)
		if err != nil {
			t.Fatal(err)
		}
		return act
	}
	upIs := func(addr, cond string) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			v, _, _, err := p.API().Query(ctx, `up{instance="`+addr+`"}`+cond, time.Now())
			vec, _ := v.(model.Vector)
			return err == nil && len(vec) == 1, err
		}
	}
	p.WaitFor(t, "both replicas scraped", upIs(b.addr, " == 1"))
	p.WaitFor(t, "a's scrape", upIs(a.addr, " == 1"))
	waitFor(t, "the window covered", func() bool { return activity().Covered })
	if got := down(); len(got) != 0 {
		t.Fatalf("DownGateways = %v with both replicas answering, want none", got)
	}

	// b's scrapes fail.
	b.failing.Store(true)
	p.WaitFor(t, "b's failed scrape", upIs(b.addr, " == 0"))
	if got := down(); !slices.Equal(got, []string{b.addr}) {
		t.Errorf("DownGateways = %v while b's scrapes fail, want [%s]", got, b.addr)
	}
	if act := activity(); act.Covered || !strings.Contains(act.Uncovered, b.addr) {
		t.Errorf("activity while b's scrapes fail: covered %v (%q), want not covered, naming %s", act.Covered, act.Uncovered, b.addr)
	}
	b.failing.Store(false)
	p.WaitFor(t, "b answering again", upIs(b.addr, " == 1"))
	if got := down(); len(got) != 0 {
		t.Errorf("DownGateways = %v once b answers again, want none", got)
	}
	waitFor(t, "the window covered again", func() bool { return activity().Covered })

	// b's target leaves discovery (its pod deleted, or dropped by a
	// relabelling) while a stays; a call reaches b after its last scrape.
	if err := p.Reload(teststack.PromOptions{ScrapeInterval: time.Second, ScrapeTargets: both.ScrapeTargets[:1]}); err != nil {
		t.Fatal(err)
	}
	p.WaitFor(t, "b's target gone", func(ctx context.Context) (bool, error) {
		ok, err := upIs(b.addr, "")(ctx)
		return !ok && err == nil, err
	})
	b.gw.Started.WithLabelValues("rare").Inc()
	act := activity()
	if act.Covered || !strings.Contains(act.Uncovered, b.addr) || !strings.Contains(act.Uncovered, "lower bound") {
		t.Errorf("activity with b's target gone: covered %v (%q), rare started %v; want not covered, naming %s as a lower bound",
			act.Covered, act.Uncovered, act.Started[rare], b.addr)
	}
	if got := down(); !slices.Equal(got, []string{b.addr}) {
		t.Errorf("DownGateways = %v with b's target gone, want [%s]", got, b.addr)
	}
	// Once b's last scrape is older than the coverage range, its calls
	// are out of the window: covered again.
	waitFor(t, "the window covered once b's last scrape left it", func() bool { return activity().Covered })
}

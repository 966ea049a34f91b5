package prometheus

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestDefaultCoverageSelectorIsTheGatewayAlone: OpenFaaS's chart scrapes
// every annotated pod of its namespace under one job, openfaas-pods (the
// gateway, the queue workers, …), and the default coverage selector took
// the whole job: a queue worker's pod replaced (a deploy, an autoscaled
// worker going) read as a gateway instance down, which held every
// function's scale-downs for the stable window and every scale to zero for
// a keep-alive window. The default takes, within that job, the gateway's
// pods only (kubernetes_pod_name gateway-…); targets without the label (a
// static gateway job, faasd) as before.
func TestDefaultCoverageSelectorIsTheGatewayAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	gwEx, qwEx := teststack.NewExporter(t), teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(gwEx.Registry)
	gw.Started.WithLabelValues("fn")
	targets := []teststack.Target{
		{Job: "openfaas-pods", URL: gwEx.Addr(), Labels: map[string]string{"kubernetes_pod_name": "gateway-7d9f8c6b5-x2x9q"}},
		{Job: "openfaas-pods", URL: qwEx.Addr(), Labels: map[string]string{"kubernetes_pod_name": "queue-worker-6c8d7f9b4-k7z2p"}},
	}
	p := teststack.Prometheus(t, teststack.PromOptions{ScrapeInterval: time.Second, ScrapeTargets: targets})
	src := gatewaySource(t, p, func(c *Config) { c.CoverageSelector = DefaultCoverageSelector })
	count := func(want int) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			v, _, _, err := p.API().Query(ctx, `count(up{job="openfaas-pods"} == 1)`, time.Now())
			vec, _ := v.(model.Vector)
			if want == 0 {
				return err == nil && len(vec) == 0, err
			}
			return err == nil && len(vec) == 1 && int(vec[0].Value) == want, err
		}
	}
	p.WaitFor(t, "both pods scraped", count(2))
	// The queue worker's pod goes; the gateway stays.
	if err := p.Reload(teststack.PromOptions{ScrapeInterval: time.Second, ScrapeTargets: targets[:1]}); err != nil {
		t.Fatal(err)
	}
	p.WaitFor(t, "the queue worker's target gone", count(1))
	down, err := src.DownGateways(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(down) != 0 {
		t.Errorf("DownGateways = %v after a queue worker's pod left the openfaas-pods job, want none: it is no gateway", down)
	}
}

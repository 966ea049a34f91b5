package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// Scenario 5: AlertManager configured with a wrong password → the webhook
// answers 401, nothing scales from webhooks, and a metric says so (on the
// controller's /metrics and, scraped, in Prometheus where an operator can
// alert on it).
func TestWrongAlertmanagerPassword(t *testing.T) {
	t.Parallel()
	ref := provider.Ref{Name: "s5-locked", Namespace: "openfaas-fn"}
	st := Start(t, Options{
		Binary:               controllerBin,
		AlertmanagerPassword: "not-the-password",
		// The loop's first pass is its only one within the test: any scale
		// would have to come from a webhook.
		Config:    func(c *config.Config) { c.Scaler.Interval = 10 * time.Minute },
		Functions: []provider.Function{NewFunction(ref, "com.openfaas.scale.max", "10")},
	})
	st.SetRPS(ref, 200)
	refused := func() int {
		n := 0
		for _, d := range st.Tap.Find(AlertFor(ref.String(), "firing", rules.AlertLoadAboveTarget)) {
			if d.Status == 401 {
				n++
			}
		}
		return n
	}
	// AlertManager does not retry a 4xx within a flush but tries again at the
	// next group_interval: two refusals show it keeps failing.
	Eventually(t, 60*time.Second, "two refused firing deliveries", func() (bool, string) {
		return refused() >= 2, st.Describe(ref)
	})
	for _, d := range st.Tap.Deliveries() {
		if d.Status != 401 {
			t.Errorf("a delivery with %d alerts was answered %d, want 401", len(d.Alerts), d.Status)
		}
	}
	if calls := st.Calls(ref); len(calls) != 0 {
		t.Errorf("%s was scaled although every webhook was refused: %s", ref, st.Describe(ref))
	}
	failures, ok := st.Metric(t, "faas_autoscaler_webhook_auth_failures_total", map[string]string{"reason": "wrong_credentials"})
	if !ok || failures < 2 {
		t.Errorf("faas_autoscaler_webhook_auth_failures_total{reason=\"wrong_credentials\"} = %g (present %v), want ≥ 2", failures, ok)
	}
	if v, _ := st.Metric(t, "faas_autoscaler_webhook_requests_total", map[string]string{"result": "unauthorized"}); v < 2 {
		t.Errorf("faas_autoscaler_webhook_requests_total{result=\"unauthorized\"} = %g, want ≥ 2", v)
	}
	const expr = `faas_autoscaler_webhook_auth_failures_total{reason="wrong_credentials"} > 0`
	Eventually(t, 30*time.Second, "Prometheus to see the auth failures", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		v, _, _, err := st.Prom.API().Query(ctx, expr, time.Now())
		if err != nil {
			return false, err.Error()
		}
		vec, _ := v.(model.Vector)
		return len(vec) > 0, expr + " returned nothing"
	})
}

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Scenario 4: Prometheus killed mid-run → no function is idled or scaled
// down while it is gone (missing is not zero); the controller says why in its
// metrics, and recovers when Prometheus returns.
func TestPrometheusOutage(t *testing.T) {
	t.Parallel()
	busy := provider.Ref{Name: "s4-busy", Namespace: "openfaas-fn"}
	idle := provider.Ref{Name: "s4-idle", Namespace: "openfaas-fn"}
	const (
		rps          = 200.0
		zeroDuration = 15 * time.Second
		// outage is longer than the down window and the keep-alive, so
		// treating missing data as zero load would act within it.
		outage = 25 * time.Second
	)
	st := Start(t, Options{
		Binary: controllerBin,
		Functions: []provider.Function{
			NewFunction(busy, "com.openfaas.scale.max", "10"),
			NewFunction(idle, "com.openfaas.scale.zero", "true", "com.openfaas.scale.zero-duration", zeroDuration.String()),
		},
	})
	st.SetRPS(busy, rps)
	st.SetRPS(idle, 5)
	Eventually(t, 90*time.Second, fmt.Sprintf("%s scaled to %d", busy, need(rps)), func() (bool, string) {
		return st.Function(t, busy).Replicas == need(rps), st.Describe(busy)
	})
	loadErrors, _ := st.Metric(t, "faas_autoscaler_reconcile_errors_total", map[string]string{"stage": "load"})
	idlerMissing, _ := st.Metric(t, "faas_autoscaler_idler_missing_data_cycles_total", map[string]string{"reason": "source_error"})

	if err := st.Prom.Kill(); err != nil {
		t.Fatalf("kill prometheus: %v", err)
	}
	killed := time.Now()
	if err := st.Died(); err != nil {
		t.Errorf("Died() after the test killed Prometheus on purpose: %v; want nil (a planned outage is no death)", err)
	}
	st.SetRPS(busy, 0)
	st.SetRPS(idle, 0)
	// Watch the whole outage: any scale-down or idle inside it is a failure.
	for time.Since(killed) < outage {
		for _, ref := range []provider.Ref{busy, idle} {
			for _, c := range st.Calls(ref) {
				if c.At.After(killed) && c.To < c.From {
					t.Fatalf("%s scaled %d→%d at %s while Prometheus was down; %s",
						ref, c.From, c.To, c.At.Format(time.StampMilli), st.Describe(ref))
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if v, _ := st.Metric(t, "faas_autoscaler_reconcile_errors_total", map[string]string{"stage": "load"}); v <= loadErrors {
		t.Errorf("faas_autoscaler_reconcile_errors_total{stage=\"load\"} stayed at %g during the outage", v)
	}
	if v, _ := st.Metric(t, "faas_autoscaler_idler_missing_data_cycles_total", map[string]string{"reason": "source_error"}); v <= idlerMissing {
		t.Errorf("faas_autoscaler_idler_missing_data_cycles_total{reason=\"source_error\"} stayed at %g during the outage", v)
	}

	if err := st.Prom.Start(); err != nil {
		t.Fatalf("restart prometheus: %v", err)
	}
	Eventually(t, 90*time.Second, busy.String()+" scaled down after Prometheus returned", func() (bool, string) {
		return st.Function(t, busy).Replicas == 1, st.Describe(busy)
	})
	Eventually(t, 90*time.Second, idle.String()+" idled after Prometheus returned", func() (bool, string) {
		return st.Function(t, idle).Replicas == 0, st.Describe(idle)
	})
	// The scrape gap means Prometheus cannot vouch for the keep-alive window
	// until it has scraped for a whole one after the restart: counted from
	// its first scrape of the gateway since, not from its start (5–6 s
	// earlier, which let an idle after half a window pass).
	rescraped := st.Prom.FirstUp(t, JobGateway)
	for _, c := range st.Calls(idle) {
		if c.To == 0 && c.Err == nil && c.At.Sub(rescraped) < zeroDuration {
			t.Errorf("%s idled %s after Prometheus' first scrape since its restart, before a whole %s window was observed again",
				idle, c.At.Sub(rescraped), zeroDuration)
		}
	}
}

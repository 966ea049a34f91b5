package rules

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// webhookAlert is the part of an AlertManager v4 alert the controller reads.
type webhookAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// TestRulesAndAlertmanagerOnRealServers loads the generated rules into a
// real Prometheus and the generated AlertManager config into a real
// AlertManager, and checks the webhook receives a firing scale-up alert for
// the loaded function, with basic auth from the password file and a float
// in annotations.load, then its resolution when the load stops.
func TestRulesAndAlertmanagerOnRealServers(t *testing.T) {
	const fn = "figlet.openfaas-fn"
	dir := t.TempDir()
	passwordFile := filepath.Join(dir, "basic-auth-password")
	if err := os.WriteFile(passwordFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var received []webhookAlert
	unauthorized := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != AlertPath {
			http.NotFound(w, r)
			return
		}
		u, p, ok := r.BasicAuth()
		if !ok || u != "admin" || p != "s3cret" {
			mu.Lock()
			unauthorized++
			mu.Unlock()
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var msg struct {
			Version string         `json:"version"`
			Alerts  []webhookAlert `json:"alerts"`
		}
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		received = append(received, msg.Alerts...)
		mu.Unlock()
	}))
	defer hook.Close()

	amo := DefaultAlertmanagerOptions()
	amo.Full = true
	amo.ControllerURL = hook.URL
	amo.PasswordFile = passwordFile
	amo.GroupInterval = time.Second // the default repeat: a 1m one is refused (Validate, the step alert's evidence)
	amCfg, err := RenderAlertmanager(amo)
	if err != nil {
		t.Fatal(err)
	}
	am := teststack.Alertmanager(t, teststack.AMOptions{Config: string(amCfg)})

	o := ForScrapeInterval(time.Second)
	ruleText, err := Render(o)
	if err != nil {
		t.Fatal(err)
	}
	exp := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(exp.Registry)
	gauge := func(name string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: name}, labels)
		exp.Registry.MustRegister(g)
		return g
	}
	gauge(metricTargetLoad, "function_name", "scaling_type").WithLabelValues(fn, TypeRPS).Set(45)
	gauge(metricReplicas, "function_name").WithLabelValues(fn).Set(2)
	gauge(metricMinReplicas, "function_name").WithLabelValues(fn).Set(1)
	gauge(metricMaxReplicas, "function_name").WithLabelValues(fn).Set(10)
	gw.Total.WithLabelValues(fn, "200").Add(0)

	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeInterval:  o.ScrapeInterval,
		EvalInterval:    o.EvaluationInterval,
		ScrapeTargets:   []teststack.Target{{Job: "gateway", URL: exp.Addr()}},
		RuleFiles:       []string{string(ruleText)},
		AlertmanagerURL: am.URL(),
		ExtraArgs:       []string{"--rules.alert.resend-delay=1s"},
	})
	prom.WaitUp(t, "gateway")

	// 200/s against 45 × 2 × 1.1 = 99/s.
	stopLoad := teststack.Every(t, 100*time.Millisecond, func() { gw.Total.WithLabelValues(fn, "200").Add(20) })
	find := func(status string) *webhookAlert {
		mu.Lock()
		defer mu.Unlock()
		for i := range received {
			a := received[i]
			if a.Status == status && a.Labels["alertname"] == AlertLoadAboveTarget && a.Labels["function_name"] == fn {
				return &a
			}
		}
		return nil
	}
	waitFor(t, "a firing "+AlertLoadAboveTarget+" webhook", func() bool { return find("firing") != nil }, prom, am)
	stopLoad()

	a := find("firing")
	load, err := strconv.ParseFloat(a.Annotations[LoadAnnotation], 64)
	if err != nil {
		t.Fatalf("annotations.load %q is not a float: %v", a.Annotations[LoadAnnotation], err)
	}
	if load <= 99 {
		t.Errorf("annotations.load = %g, want above the 99/s threshold", load)
	}
	if a.Labels["scaling_type"] != TypeRPS || a.Labels[RouteLabel] != RouteValue {
		t.Errorf("labels = %v", a.Labels)
	}
	waitFor(t, "the resolved webhook", func() bool { return find("resolved") != nil }, prom, am)
	mu.Lock()
	defer mu.Unlock()
	if unauthorized > 0 {
		t.Errorf("%d webhook calls without the right basic auth", unauthorized)
	}
}

// waitFor polls cond for up to 30 s, dumping the servers' logs on timeout.
func waitFor(t *testing.T, what string, cond func() bool, prom *teststack.Prom, am *teststack.AM) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, what, cond, func() string {
		return "prometheus:\n" + prom.Logs() + "\nalertmanager:\n" + am.Logs()
	})
}

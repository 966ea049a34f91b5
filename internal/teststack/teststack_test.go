package teststack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

const alwaysFiring = `groups:
- name: teststack
  rules:
  - alert: TeststackAlways
    expr: vector(1)
    labels: {function_name: figlet.openfaas-fn}
`

// webhook records AlertManager notifications and checks basic auth.
type webhook struct {
	mu           sync.Mutex
	alertnames   []string
	unauthorized int
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != "scaler" || p != "s3cret" {
		w.mu.Lock()
		w.unauthorized++
		w.mu.Unlock()
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	var msg struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	for _, a := range msg.Alerts {
		w.alertnames = append(w.alertnames, a.Labels["alertname"])
	}
	w.mu.Unlock()
}

func (w *webhook) got(name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, n := range w.alertnames {
		if n == name {
			return true
		}
	}
	return false
}

// TestStack starts the whole chain once (exporter → Prometheus → rule →
// AlertManager → webhook), then restarts Prometheus on the same data.
func TestStack(t *testing.T) {
	ex := NewExporter(t)
	gw := NewGatewayMetrics(ex.Registry)
	gw.Total.WithLabelValues("figlet.openfaas-fn", "200").Add(42)

	wh := &webhook{}
	recv := httptest.NewServer(wh)
	t.Cleanup(recv.Close)
	am := Alertmanager(t, AMOptions{WebhookURL: recv.URL + "/system/alert", Username: "scaler", Password: "s3cret"})
	p := Prometheus(t, PromOptions{
		ScrapeTargets:   []Target{{Job: "gateway", URL: ex.Addr()}},
		RuleFiles:       []string{alwaysFiring},
		AlertmanagerURL: am.URL(),
		// The alert fires before Prometheus has discovered the AlertManager
		// (5 s batching); without a short resend delay the next send is 1 min away.
		ExtraArgs: []string{"--rules.alert.resend-delay=1s"},
	})

	t.Run("first scrape", func(t *testing.T) {
		p.WaitUp(t, "gateway")
		vec, ok := p.Query(t, `gateway_function_invocation_total{function_name="figlet.openfaas-fn"}`).(model.Vector)
		if !ok || len(vec) != 1 || float64(vec[0].Value) != 42 {
			t.Fatalf("counter after first scrape = %v, want one sample of 42", vec)
		}
	})

	t.Run("alert reaches the webhook with basic auth", func(t *testing.T) {
		testenv.WaitFor(t, WaitTimeout, "a notification", func() bool { return wh.got("TeststackAlways") },
			func() string { return "alertmanager log:\n" + am.Logs() })
		if wh.unauthorized != 0 {
			t.Errorf("%d unauthorized webhook calls", wh.unauthorized)
		}
	})

	t.Run("reload loads new rules", func(t *testing.T) {
		err := p.Reload(PromOptions{
			ScrapeTargets: []Target{{Job: "gateway", URL: ex.Addr()}},
			RuleFiles:     []string{strings.Replace(alwaysFiring, "TeststackAlways", "TeststackReloaded", 1)},
		})
		if err != nil {
			t.Fatal(err)
		}
		rules, err := p.API().Rules(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				if a, ok := r.(v1.AlertingRule); ok {
					names = append(names, a.Name)
				}
			}
		}
		if len(names) != 1 || names[0] != "TeststackReloaded" {
			t.Fatalf("alerting rules after reload = %v, want [TeststackReloaded]", names)
		}
	})

	t.Run("restart keeps port and data", func(t *testing.T) {
		addr := p.Addr()
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if p.Running() {
			t.Fatal("Running() after Stop")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, _, _, err := p.API().Query(ctx, "up", time.Now())
		cancel()
		if err == nil {
			t.Fatal("query succeeded against a stopped Prometheus")
		}
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		if p.Addr() != addr {
			t.Fatalf("address changed across restart: %s → %s", addr, p.Addr())
		}
		// Samples scraped before the restart are still there.
		vec := p.Query(t, `max_over_time(gateway_function_invocation_total[5m])`).(model.Vector)
		if len(vec) != 1 || float64(vec[0].Value) != 42 {
			t.Fatalf("pre-restart samples = %v, want 42", vec)
		}
		p.WaitUp(t, "gateway")
	})
}

// TestRenderedConfigsPassTheRealCheckers runs promtool and amtool on what
// the harness writes, so a config mistake shows as a clear error here.
func TestRenderedConfigsPassTheRealCheckers(t *testing.T) {
	dir := t.TempDir()
	rulePath := filepath.Join(dir, "given.yml")
	if err := os.WriteFile(rulePath, []byte(alwaysFiring), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := writePromConfig(dir, PromOptions{
		ScrapeInterval: 500 * time.Millisecond,
		ScrapeTargets: []Target{
			{Job: "gateway", URL: "http://127.0.0.1:1/"},
			{Job: "gateway", URL: "127.0.0.1:2", Labels: map[string]string{"zone": "b"}},
			{Job: "pods", URL: "127.0.0.1:3", MetricsPath: "/custom"},
		},
		RuleFiles:       []string{rulePath, alwaysFiring},
		AlertmanagerURL: "http://127.0.0.1:9/prefix/",
	})
	if err != nil {
		t.Fatal(err)
	}
	promtool := NeedBinary(t, "promtool")
	if out, err := exec.Command(promtool, "check", "config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}

	amCfg, err := json.Marshal(amConfigFrom(AMOptions{
		WebhookURL: "http://127.0.0.1:1/system/alert", Username: "u", PasswordFile: rulePath,
	}))
	if err != nil {
		t.Fatal(err)
	}
	amPath := filepath.Join(dir, "am.yml")
	if err := os.WriteFile(amPath, amCfg, 0o644); err != nil {
		t.Fatal(err)
	}
	amtool := NeedBinary(t, "amtool")
	if out, err := exec.Command(amtool, "check-config", amPath).CombinedOutput(); err != nil {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
}

func TestPromConfigRejects(t *testing.T) {
	cases := []struct {
		name string
		opts PromOptions
		want string
	}{
		{"target without job", PromOptions{ScrapeTargets: []Target{{URL: "127.0.0.1:1"}}}, "Job and URL are required"},
		{"bad alertmanager url", PromOptions{AlertmanagerURL: "127.0.0.1:9093"}, "want http://host:port"},
		{"same job two paths", PromOptions{ScrapeTargets: []Target{
			{Job: "a", URL: "127.0.0.1:1"}, {Job: "a", URL: "127.0.0.1:2", MetricsPath: "/x"},
		}}, "different metrics paths"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := writePromConfig(t.TempDir(), c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

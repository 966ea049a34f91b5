package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// alertmanagerBinary finds the real AlertManager: Debian names it
// prometheus-alertmanager. Missing is a failure under CI=true, else a skip.
func alertmanagerBinary(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "install AlertManager with: apt-get install --no-install-recommends prometheus-alertmanager",
		"prometheus-alertmanager", "alertmanager")
}

// chanSink forwards every signal to a channel the test waits on.
type chanSink struct{ ch chan scaler.Signal }

func (s chanSink) Notify(ctx context.Context, sig scaler.Signal) error {
	select {
	case s.ch <- sig:
		return nil
	case <-ctx.Done():
		return scaler.ErrUnavailable
	}
}

// lockedBuffer collects a child's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRealAlertManager runs a real AlertManager (Debian's 0.25) against the
// handler: alerts posted to AlertManager's API come back through its webhook
// with basic auth from a password file, firing then resolved, for two
// functions in two namespaces; a receiver configured with a wrong password is
// refused and the failure shows in the auth-failures counter.
func TestRealAlertManager(t *testing.T) {
	bin := alertmanagerBinary(t)
	dir := t.TempDir()

	sink := chanSink{ch: make(chan scaler.Signal, 16)}
	reg := prometheus.NewRegistry()
	cfg := testConfig(sink, reg)
	cfg.Clock = nil // real time: Received is checked against the wall clock
	h := newTestHandler(t, cfg)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	for name, content := range map[string]string{"good-password": "s3cret\n", "bad-password": "s3cre7\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// One route per receiver: alerts labelled test="wrong-password" go to
	// the receiver with the wrong password.
	amConfig := fmt.Sprintf(`route:
  receiver: scaler
  group_by: [alertname, function_name]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
  - receiver: wrong-password
    matchers: ['test="wrong-password"']
receivers:
- name: scaler
  webhook_configs:
  - url: %[1]s%[2]s
    send_resolved: true
    http_config:
      basic_auth: {username: admin, password_file: %[3]s}
- name: wrong-password
  webhook_configs:
  - url: %[1]s%[2]s
    send_resolved: true
    http_config:
      basic_auth: {username: admin, password_file: %[4]s}
`, srv.URL, Path, filepath.Join(dir, "good-password"), filepath.Join(dir, "bad-password"))
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(amConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	amURL := startAlertManager(t, bin, dir)

	now := time.Now().UTC()
	firing := []amAlert{
		{Labels: map[string]string{"alertname": "FunctionLoadHigh", "function_name": "figlet.openfaas-fn", "service": "gateway"},
			Annotations: map[string]string{"load": "412.5"}},
		{Labels: map[string]string{"alertname": "FunctionLoadHigh", "function_name": "resize.images", "service": "gateway"},
			Annotations: map[string]string{"load": "7"}},
		{Labels: map[string]string{"alertname": "FunctionLoadHigh", "function_name": "secret.fn", "test": "wrong-password"}},
	}
	postAlerts(t, amURL, firing)
	want := map[provider.Ref]*float64{
		{Name: "figlet", Namespace: "openfaas-fn"}: ptr(412.5),
		{Name: "resize", Namespace: "images"}:      ptr(7.0),
	}
	waitSignals(t, sink, scaler.Firing, want, firing[:2], now)
	// The wrong-password receiver is refused. Waited for before resolving:
	// AlertManager sends a group's resolved notification only after a
	// firing one, and under load the wrong-password group's first flush
	// came after the resolve below (seen in CI: no attempt, no refusal).
	waitFor(t, "a refusal of the wrong password", func() bool {
		return testutil.ToFloat64(h.metrics.authFailures.WithLabelValues(authWrong)) > 0
	})

	// Resolve them: an alert posted with endsAt in the past is resolved.
	for i := range firing {
		firing[i].EndsAt = time.Now().UTC().Add(-time.Millisecond).Format(time.RFC3339Nano)
	}
	postAlerts(t, amURL, firing)
	waitSignals(t, sink, scaler.Resolved, want, firing[:2], now)

	// The refusal shows as unauthorized, and the wrong-password function
	// never reached the sink (waitSignals fails on any other).
	if got := testutil.ToFloat64(h.metrics.requests.WithLabelValues(reqUnauthorized)); got == 0 {
		t.Error("requests{result=unauthorized} = 0 after a refusal")
	}
}

type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations,omitempty"`
	EndsAt      string            `json:"endsAt,omitempty"`
}

// waitSignals waits for one signal of the given status per function of want,
// and checks each one against what AlertManager must have sent.
func waitSignals(t *testing.T, sink chanSink, status scaler.AlertStatus, want map[provider.Ref]*float64, sent []amAlert, since time.Time) {
	t.Helper()
	fingerprints := map[string]bool{}
	for _, a := range sent {
		fingerprints[labelsFingerprint(template.KV(a.Labels))] = true
	}
	seen := map[provider.Ref]bool{}
	deadline := time.After(30 * time.Second)
	for len(seen) < len(want) {
		select {
		case s := <-sink.ch:
			if s.Status != status {
				continue // a late duplicate of the previous phase
			}
			load, ok := want[s.Ref]
			if !ok {
				t.Fatalf("signal for unexpected function %s", s.Ref)
			}
			if s.Load == nil || *s.Load != *load || s.AlertName != "FunctionLoadHigh" || !fingerprints[s.Fingerprint] ||
				s.StartsAt.Before(since.Add(-time.Second)) || s.Received.Before(s.StartsAt) {
				t.Errorf("signal %+v (load %v)", s, s.Load)
			}
			seen[s.Ref] = true
		case <-deadline:
			t.Fatalf("timed out waiting for %s signals; got %v of %v", status, seen, want)
		}
	}
}

func startAlertManager(t *testing.T, bin, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs lockedBuffer
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "am.yml"),
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // no gossip: no extra port, no settle wait
		"--log.level=debug")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", logs.String())
		}
	})
	url := "http://" + addr
	waitFor(t, "AlertManager ready", func() bool {
		resp, err := http.Get(url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return url
}

func postAlerts(t *testing.T, amURL string, alerts []amAlert) {
	t.Helper()
	b, err := json.Marshal(alerts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(amURL+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /api/v2/alerts: %s: %s", resp.Status, body)
	}
}

// waitFor polls cond for up to 30 s: a generous bound on an event, not a
// sleep standing in for an assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, what, cond)
}

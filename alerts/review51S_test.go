package alerts

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// review51SRequest is one webhook request as a peer sent it.
type review51SRequest struct {
	peer   string
	at     time.Time
	status int
}

type review51SLog struct {
	mu   sync.Mutex
	reqs []review51SRequest
}

func (l *review51SLog) wrap(peer string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		l.mu.Lock()
		l.reqs = append(l.reqs, review51SRequest{peer: peer, at: time.Now(), status: rec.code})
		l.mu.Unlock()
	})
}

func (l *review51SLog) peers() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := map[string]int{}
	for _, r := range l.reqs {
		m[r.peer]++
	}
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) { s.code = code; s.ResponseWriter.WriteHeader(code) }

func review51SPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// review51SHAPair starts two clustered AlertManagers with the generated
// full config, each posting to its own front of the same handler.
func review51SHAPair(t *testing.T, h http.Handler, log *review51SLog, opts rules.AlertmanagerOptions) [2]*review51SAM {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "basic-auth-password")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cl := [2]string{review51SPort(t), review51SPort(t)}
	var ams [2]*review51SAM
	for i, peer := range []string{"am0", "am1"} {
		srv := httptest.NewServer(log.wrap(peer, h))
		t.Cleanup(srv.Close)
		o := opts
		o.Full, o.ControllerURL, o.PasswordFile = true, srv.URL, pw
		cfg, err := rules.RenderAlertmanager(o)
		if err != nil {
			t.Fatal(err)
		}
		ams[i] = review51SStartAM(t, string(cfg), "--cluster.listen-address="+cl[i], "--cluster.peer="+cl[1-i])
	}
	return ams
}

// review51SAM is an AlertManager started with gossip on (teststack turns
// it off, and the flag cannot be given twice).
type review51SAM struct {
	url  string
	logs *lockedBuffer
}

func (a *review51SAM) URL() string  { return a.url }
func (a *review51SAM) Logs() string { return a.logs.String() }

func review51SStartAM(t *testing.T, cfg string, extra ...string) *review51SAM {
	t.Helper()
	bin := alertmanagerBinary(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := review51SPort(t)
	logs := &lockedBuffer{}
	cmd := exec.Command(bin, append([]string{
		"--config.file=" + filepath.Join(dir, "am.yml"),
		"--storage.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--log.level=debug",
	}, extra...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	a := &review51SAM{url: "http://" + addr, logs: logs}
	waitFor(t, "AlertManager ready", func() bool {
		resp, err := http.Get(a.url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return a
}

// TestReview51SHAPeerRetryAfterTheOthersSuccessIsNotARetry: two
// AlertManagers in a cluster (HA, as Prometheus is told to send to both), the
// generated config, the generated step alert, and a controller answering 503
// at first (starting up, not leading yet). Both peers retry the one
// notification: the second after its peer_timeout wait, each in its own
// back-off loop, which does not look at the notification log again. Once
// one peer's copy is answered 200, retries.go forgets the group
// (answered: "any other answer ends the delivery"), so the other peer's
// retry still in flight is handed on as a new delivery, without RetryOf,
// although doc.go and retries.go say a peer's copy of a notification the
// other could not deliver is "the same delivery again" and step mode must
// step "once per notification however long the retries go on". The scaler
// then dedups it only by StepDedup (5 s), which AlertManager's back-off
// (growing ×1.5 from 0.5 s, randomised ±50%) exceeds: a second step for one
// condition.
//
// Expected: every copy of the notification accepted after the first carries
// RetryOf (the first receipt).
func TestReview51SHAPeerRetryAfterTheOthersSuccessIsNotARetry(t *testing.T) {
	sink := &countingSink{held: "held.fn"}
	cfg := testConfig(sink, nil)
	cfg.Clock = nil
	h := newTestHandler(t, cfg)
	log := &review51SLog{}
	opts := rules.DefaultAlertmanagerOptions()
	ams := review51SHAPair(t, h, log, opts)

	alert := []amAlert{{Labels: map[string]string{
		"alertname": rules.AlertStepRateHigh, "service": rules.RouteValue, "function_name": "held.fn",
		"scaling_type": "step", "direction": "up",
	}, Annotations: map[string]string{"load": "12"}}}
	for _, am := range ams {
		postAlerts(t, am.URL(), alert)
	}
	// Both peers retrying the 503.
	testenvWait(t, 90*time.Second, "both peers sending", func() bool {
		p := log.peers()
		return p["am0"] > 1 && p["am1"] > 1
	}, ams)
	sink.release()
	// One of them succeeds; the other's back-off goes on for the rest of
	// its flush (10 s), then its next flush finds the notification log.
	testenvWait(t, 30*time.Second, "a copy taken", func() bool { return len(sink.of("held.fn")) > 0 }, ams)
	time.Sleep(15 * time.Second) // the rest of the other peer's flush, well before repeat_interval (30 s)
	got := sink.of("held.fn")
	first := got[0]
	for i, s := range got[1:] {
		if s.RetryOf.IsZero() {
			t.Errorf("copy %d of the notification taken %v after the first, without RetryOf: a new delivery to the scaler (a second step when more than StepDedup %s after the first)",
				i+2, s.Received.Sub(first.Received).Round(time.Millisecond), scaler.DefaultDefaults().StepDedup)
		}
	}
	log.mu.Lock()
	for _, r := range log.reqs {
		t.Logf("%s %s %d", r.at.Format("15:04:05.000"), r.peer, r.status)
	}
	log.mu.Unlock()
}

func testenvWait(t *testing.T, d time.Duration, what string, cond func() bool, ams [2]*review51SAM) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\nam0:\n%s\nam1:\n%s", what, tail(ams[0].Logs()), tail(ams[1].Logs()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// TestReview51SPeerCopyAfterTheOthersSuccessCarriesRetryOf is the HA trace
// above, replayed on a clock the test moves (the real run's order: am0
// retrying from t0, am1 joining after its 15 s peer_timeout, am1's copy
// answered 200, am0's retry still in flight). Once one peer's copy is
// answered 2xx, answered() drops the group, and the other peer's retry of
// the same notification, which AlertManager does not check against the
// notification log inside its back-off loop, comes without RetryOf: the
// scaler steps on it again when it is more than StepDedup (5 s) after the
// step, one condition stepped twice. AlertManager 0.25's retry back-off
// grows ×1.5 from 0.5 s with ±50% jitter inside a 10 s flush, so a 6 s
// gap is within reach, and more so when the step was taken on a copy
// answered 503 (queued while the provider failed) before either 200.
//
// Expected: the second peer's copy carries RetryOf (t0, the first receipt),
// as retries.go says of an HA peer's copy: "the same delivery again".
func TestReview51SPeerCopyAfterTheOthersSuccessCarriesRetryOf(t *testing.T) {
	clk := &steppingClock{t: testTime}
	sink := &countingSink{held: "b.fn"}
	cfg := testConfig(sink, nil)
	cfg.Clock = clk
	h := newTestHandler(t, cfg)
	body := payload(alertJSON("firing", "b.fn", "2", ""))

	if w := post(h, body); w.Code != 503 { // am0, t0
		t.Fatalf("am0's first copy answered %d", w.Code)
	}
	clk.add(15 * time.Second)
	if w := post(h, body); w.Code != 503 { // am1 after peer_timeout
		t.Fatalf("am1's first copy answered %d", w.Code)
	}
	sink.release()
	clk.add(5 * time.Second)
	if w := post(h, body); w.Code != 200 { // am1's retry: taken, the scaler steps
		t.Fatalf("am1's retry answered %d", w.Code)
	}
	clk.add(6 * time.Second)
	if w := post(h, body); w.Code != 200 { // am0's retry, still in its back-off loop
		t.Fatalf("am0's retry answered %d", w.Code)
	}
	got := sink.of("b.fn")
	if len(got) != 2 {
		t.Fatalf("%d signals taken, want 2", len(got))
	}
	if !got[0].RetryOf.Equal(testTime) {
		t.Errorf("control: am1's taken retry has RetryOf %v, want %v", got[0].RetryOf, testTime)
	}
	if !got[1].RetryOf.Equal(testTime) {
		t.Errorf("am0's copy of the same notification, 6s after am1's was taken, has RetryOf %v, want %v: handed on as a new delivery, step mode steps a second time (StepDedup is 5s)",
			got[1].RetryOf, testTime)
	}
}

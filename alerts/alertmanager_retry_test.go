package alerts

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestRealAlertManagerRetriesCarryRetryOf: what retries.go assumes of
// AlertManager, on the real one (Debian's 0.25): a notification answered
// 503 comes back with the same receiver, group key, fingerprints and
// startsAt, again and again until it is answered 2xx, and then not before
// repeat_interval. Every copy after the first carries RetryOf, the first
// one's receipt. group_wait 1 s puts both alerts in the first notification:
// at 0 s AlertManager flushed the first one alone (answered 200, a
// delivery of its own) once in CI, and the retries were of the second.
func TestRealAlertManagerRetriesCarryRetryOf(t *testing.T) {
	bin := alertmanagerBinary(t)
	dir := t.TempDir()
	sink := &countingSink{held: "b.fn"}
	cfg := testConfig(sink, nil)
	cfg.Clock, cfg.Auth = nil, AuthNone
	srv := httptest.NewServer(newTestHandler(t, cfg))
	t.Cleanup(srv.Close)
	amConfig := fmt.Sprintf(`route:
  receiver: scaler
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
- name: scaler
  webhook_configs:
  - url: %s%s
`, srv.URL, Path)
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(amConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	amURL := startAlertManager(t, bin, dir)
	postAlerts(t, amURL, []amAlert{
		{Labels: map[string]string{"alertname": "APIHighInvocationRate", "function_name": "a.fn"}},
		{Labels: map[string]string{"alertname": "APIHighInvocationRate", "function_name": "b.fn"}},
	})
	waitFor(t, "four deliveries of the notification answered 503", func() bool { return len(sink.of("a.fn")) >= 4 })
	sink.release()
	waitFor(t, "b.fn taken", func() bool { return len(sink.of("b.fn")) > 0 })
	time.Sleep(5 * time.Second) // two group_intervals: nothing more is sent after the 200
	got := sink.of("a.fn")
	first := got[0]
	if !first.RetryOf.IsZero() {
		t.Errorf("the first delivery carries RetryOf %v", first.RetryOf)
	}
	for i, s := range got[1:] {
		if !s.RetryOf.Equal(first.Received) || s.Fingerprint != first.Fingerprint || !s.StartsAt.Equal(first.StartsAt) {
			t.Errorf("delivery %d of a.fn (received %v): RetryOf %v fingerprint %s startsAt %v, want RetryOf %v (the first's receipt), %s, %v",
				i+2, s.Received, s.RetryOf, s.Fingerprint, s.StartsAt, first.Received, first.Fingerprint, first.StartsAt)
		}
	}
	if n := len(sink.of("b.fn")); n != 1 {
		t.Errorf("b.fn taken %d times; after the 200 AlertManager sends nothing before repeat_interval", n)
	}
}

// countingSink records every signal, answering ErrUnavailable for held's
// until released.
type countingSink struct {
	mu      sync.Mutex
	held    string
	free    bool
	signals []scaler.Signal
}

func (s *countingSink) Notify(_ context.Context, sig scaler.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sig.Ref.String() == s.held && !s.free {
		return scaler.ErrUnavailable
	}
	s.signals = append(s.signals, sig)
	return nil
}

func (s *countingSink) release() {
	s.mu.Lock()
	s.free = true
	s.mu.Unlock()
}

func (s *countingSink) of(fn string) []scaler.Signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []scaler.Signal
	for _, sig := range s.signals {
		if sig.Ref.String() == fn {
			out = append(out, sig)
		}
	}
	return out
}

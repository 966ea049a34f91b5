package alerts

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// recordingSink is the in-memory Sink of the tests: it records every signal
// and answers with the error configured for its function ("name.namespace"),
// or with all when set.
type recordingSink struct {
	mu      sync.Mutex
	signals []scaler.Signal
	errs    map[string]error
	all     error
}

func (s *recordingSink) Notify(ctx context.Context, sig scaler.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.all != nil {
		return s.all
	}
	if err := s.errs[sig.Ref.String()]; err != nil {
		return err
	}
	s.signals = append(s.signals, sig)
	return nil
}

func (s *recordingSink) got() []scaler.Signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]scaler.Signal(nil), s.signals...)
}

// queueSink does what the reconcile loop's Notify does, cheaply: a
// non-blocking send on a buffered queue drained by another goroutine.
type queueSink struct{ q chan scaler.Signal }

func newQueueSink(tb testing.TB, size int) *queueSink {
	s := &queueSink{q: make(chan scaler.Signal, size)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range s.q {
		}
	}()
	tb.Cleanup(func() { close(s.q); <-done })
	return s
}

func (s *queueSink) Notify(ctx context.Context, sig scaler.Signal) error {
	select {
	case s.q <- sig:
		return nil
	default:
		return scaler.ErrUnavailable
	}
}

// fixedClock is a clock.Clock that always says t; the handler only reads Now.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }
func (c fixedClock) NewTicker(d time.Duration) clock.Ticker {
	panic("the handler never ticks")
}

// testTime is the Received stamp of every test request.
var testTime = time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)

// testConfig is a valid basic-auth configuration around sink.
func testConfig(sink Sink, reg prometheus.Registerer) Config {
	return Config{
		Sink:       sink,
		Username:   "admin",
		Password:   "s3cret",
		Registerer: reg,
		Clock:      fixedClock{testTime},
	}
}

func newTestHandler(t testing.TB, cfg Config) *Handler {
	t.Helper()
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return h
}

// post sends body to h with basic auth admin:s3cret.
func post(h http.Handler, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	r.SetBasicAuth("admin", "s3cret")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// payload builds a webhook body with the given alerts (JSON objects).
func payload(alerts ...string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"receiver":"scaler","status":"firing","alerts":[`)
	for i, a := range alerts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a)
	}
	b.WriteString(`],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am:9093","version":"4","groupKey":"{}:{}","truncatedAlerts":0}`)
	return b.Bytes()
}

// alertJSON is one alert object; extraLabels/annotations are raw JSON members.
func alertJSON(status, fn, fingerprint, annotations string) string {
	labels := `"alertname":"FunctionLoadHigh"`
	if fn != "" {
		labels += fmt.Sprintf(`,"function_name":%q`, fn)
	}
	return fmt.Sprintf(`{"status":%q,"labels":{%s},"annotations":{%s},"startsAt":"2026-11-26T14:55:36.60864713Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":%q}`,
		status, labels, annotations, fingerprint)
}

func slogText(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

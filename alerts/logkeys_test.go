package alerts

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every log line carries the caller's component once: the handler used to
// add component=alerts after the controller's component=webhook, which made
// JSON objects with a duplicate key (issue 15, item 8).
//
// Seen failing: with Logger.With("component", "alerts") back in NewHandler,
// each line has two "component" keys.
func TestOneComponentKey(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", "webhook")
	h, err := NewHandler(Config{Sink: &recordingSink{}, Auth: AuthNone, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, Path, strings.NewReader(`{"alerts":[{"status":"bogus"}]}`)))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("nothing logged")
	}
	for _, l := range lines {
		if n := strings.Count(l, `"component":`); n != 1 {
			t.Errorf("%d component keys in %s", n, l)
		}
	}
}

package alerts

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bodies to Decode and to the whole handler: no
// panic, and every refusal is a 4xx (the sink here accepts everything, so a
// 5xx would be the handler's own fault).
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed fixtures in testdata: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"alerts":[{"status":"firing","labels":{"function_name":"a.b"},"annotations":{"load":"1e308"}}]}`))
	f.Add([]byte(`{"version":"4","alerts":[{"status":"resolved","labels":{"function_name":"."}}]}`))
	f.Add([]byte(`{"alerts":null}`))
	// A malformed alert beside a good one: decoded alert by alert.
	f.Add([]byte(`{"alerts":[{"labels":{"a":1},"startsAt":"x"},{"status":"firing","labels":{"function_name":"a.b"}}]}`))

	h, err := NewHandler(Config{Sink: &recordingSink{}, Auth: AuthNone, MaxBody: 64 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := Decode(body)
		if err == nil && m.Alerts == nil {
			t.Fatal("Decode accepted a message without alerts")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body)))
		switch {
		case w.Code == http.StatusOK:
			if err != nil {
				t.Fatalf("200 for a body Decode refused: %v", err)
			}
		case w.Code >= 400 && w.Code < 500:
		default:
			t.Fatalf("status %d for body %q: %s", w.Code, body, w.Body)
		}
	})
}

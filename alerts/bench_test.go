package alerts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// benchBody is a webhook body of n alerts of the shape AlertManager sends
// (see testdata), over 50 functions in 3 namespaces, firing and resolved
// mixed, each with a load annotation and its own fingerprint.
func benchBody(n int) []byte {
	namespaces := []string{"openfaas-fn", "images", "staging"}
	alerts := make([]string, n)
	for i := range alerts {
		status, ends := "firing", "0001-01-01T00:00:00Z"
		if i%4 == 3 {
			status, ends = "resolved", "2026-11-26T14:56:10.1Z"
		}
		fn := fmt.Sprintf("fn-%d.%s", i%50, namespaces[i%3])
		alerts[i] = fmt.Sprintf(`{"status":%q,"labels":{"alertname":"FunctionLoadHigh","function_name":%q,"scaling_type":"rps","service":"gateway","severity":"major","replica":"%d"},`+
			`"annotations":{"load":"%d.5","summary":"%s load above target"},"startsAt":"2026-11-26T14:55:36.60864713Z","endsAt":%q,`+
			`"generatorURL":"http://prometheus:9090/graph?g0.expr=faas%%3Afunction_load%%3Aratio+%%3E+1\u0026g0.tab=1","fingerprint":"%016x"}`,
			status, fn, i, 100+i, fn, ends, uint64(i)*0x9e3779b97f4a7c15)
	}
	return []byte(`{"receiver":"scaler","status":"firing","alerts":[` + strings.Join(alerts, ",") +
		`],"groupLabels":{"alertname":"FunctionLoadHigh","service":"gateway"},"commonLabels":{"alertname":"FunctionLoadHigh","service":"gateway","severity":"major"},` +
		`"commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\"FunctionLoadHigh\", service=\"gateway\"}","truncatedAlerts":0}`)
}

// discardWriter is a ResponseWriter that keeps only the status code, so the
// benchmark measures the handler, not httptest.ResponseRecorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

var benchSizes = []int{1, 100, 1000}

// BenchmarkWebhook: the whole handler (auth, limit, decode, map, notify,
// response) against a buffered-queue sink. alerts/s is the figure of merit.
func BenchmarkWebhook(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) {
			body := benchBody(n)
			cfg := testConfig(newQueueSink(b, 1<<16), prometheus.NewRegistry())
			h := newTestHandler(b, cfg)
			req, err := http.NewRequest(http.MethodPost, Path, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.SetBasicAuth("admin", "s3cret")
			w := &discardWriter{h: http.Header{}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				r := *req
				r.Body = readCloser{bytes.NewReader(body)}
				r.ContentLength = int64(len(body))
				clear(w.h)
				h.ServeHTTP(w, &r)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
			reportRates(b, n, cpu0)
		})
	}
}

// BenchmarkBareDecode: the same bodies through json.Unmarshal into the
// template types alone, the floor the handler is compared with.
func BenchmarkBareDecode(b *testing.B) { benchDecode[Message](b) }

// benchDecode runs every benchmark size's body through json.Unmarshal into T.
func benchDecode[T any](b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) {
			body := benchBody(n)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				var m T
				if err := json.Unmarshal(body, &m); err != nil {
					b.Fatal(err)
				}
			}
			reportRates(b, n, cpu0)
		})
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// leanMessage has the webhook's JSON shape but only the fields the handler
// reads. BenchmarkLeanDecode measures what decoding into it instead of the
// template types would save (reported, not used: the template types are
// fast enough for the goals).
type leanMessage struct {
	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
	Alerts          []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
		Fingerprint string            `json:"fingerprint"`
	} `json:"alerts"`
}

func BenchmarkLeanDecode(b *testing.B) { benchDecode[leanMessage](b) }

// reportRates reports alerts per wall second and per CPU second of the
// process. On a shared, saturated machine the wall figure swings with the
// neighbours' load; the CPU figure is what one core can sustain.
func reportRates(b *testing.B, n int, cpu0 time.Duration) {
	alerts := float64(n) * float64(b.N)
	b.ReportMetric(alerts/b.Elapsed().Seconds(), "alerts/s")
	if cpu := cpuTime(b) - cpu0; cpu > 0 {
		b.ReportMetric(alerts/cpu.Seconds(), "alerts/cpu-s")
	}
}

// cpuTime is the user+system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

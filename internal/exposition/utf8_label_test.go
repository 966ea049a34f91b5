package exposition

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestInvalidUTF8LabelValueKeepsThePageParseable: the streamed
// per-function families write a function's name as its label value
// verbatim. A name that is not valid UTF-8 (reachable with
// `run --provider memory --functions-file` over a Latin-1 file: neither
// functionFlags.Set nor provider.ParseRef checks the bytes) makes the whole
// page one that Prometheus refuses ("invalid UTF-8 label value" in its
// text parser, as expfmt's here): every controller series is lost, up is 0,
// and FaasAutoscalerTargetDown/Down fire. client_golang's const metrics,
// which the streamer replaced "byte for byte", refused such a value per
// series instead of corrupting the page. Found by a review; the bytes are
// now written as U+FFFD (and provider.ParseRef refuses such names).
//
// Seen failing before the fix: expfmt's parser refused the page at line 4.
func TestInvalidUTF8LabelValueKeepsThePageParseable(t *testing.T) {
	reg := NewRegistry()
	reg.AddStreamer(StreamerFunc(func(w *Writer) error {
		w.Family("faas_autoscaler_function_replicas", "Replicas.", "gauge")
		w.Sample("faas_autoscaler_function_replicas", 1, Label{Name: "function_name", Value: "ok", Suffix: "openfaas-fn"})
		w.Sample("faas_autoscaler_function_replicas", 2, Label{Name: "function_name", Value: "caf\xe9", Suffix: "openfaas-fn"})
		return w.Err()
	}))
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("control: /metrics answered %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := p.TextToMetricFamilies(rec.Body); err != nil {
		t.Errorf("/metrics answered 200 with a page the Prometheus text parser refuses as a whole: %v", err)
	}
}

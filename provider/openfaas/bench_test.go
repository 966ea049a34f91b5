package openfaas

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkFunctions10k decodes a 10,000-function list reply (labels and
// annotations included) served in-process, so it measures the client, not
// the loopback network or the server's encoding.
func BenchmarkFunctions10k(b *testing.B) {
	g := newFakeGateway(faasNetes)
	for i := range 10_000 {
		s := fig("openfaas-fn", 2)
		s.Name = fmt.Sprintf("fn-%05d", i)
		s.Labels = map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "20", "com.openfaas.scale.zero": "true"}
		s.Annotations = map[string]string{"prometheus.io.scrape": "false"}
		g.deploy(s)
	}
	// Encode the reply once so the benchmark measures the client only.
	rec := httptest.NewRecorder()
	g.handler("").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/system/functions?namespace=openfaas-fn", nil))
	body := rec.Body.Bytes()
	g.hook = func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }
	b.SetBytes(int64(len(body)))
	cfg := DefaultConfig()
	cfg.GatewayURL = "http://gateway.test:8080/"
	cfg.HTTPClient = &http.Client{Transport: handlerTransport{g.handler("")}}
	cl, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		fns, err := cl.Functions(b.Context(), "openfaas-fn")
		if err != nil || len(fns) != 10_000 {
			b.Fatalf("%d functions, %v", len(fns), err)
		}
	}
}

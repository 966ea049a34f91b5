package alerts

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestGeneratedCustomLoadAboveBillionIsAccepted: `rules --custom
// memory=…` records a custom load, and the generated FunctionLoadAboveTarget
// carries it as the annotation load ('{{ $value }}'). The controller accepts
// any finite target above 0 for a custom type (a per-replica target of
// 512 MiB of working set is 536870912), so a function at 2 GiB fires the
// alert with load "2.147483648e+09" (as Prometheus renders $value). The
// webhook refuses that alert as invalid (load above MaxLoad 1e9) and answers
// 400: the generated rule never reaches the scaler for any custom load
// measured in a unit that exceeds a billion (bytes), while the periodic loop
// reads and acts on the very same value.
// Found by a review helper.
func TestGeneratedCustomLoadAboveBillionIsAccepted(t *testing.T) {
	// The controller takes the function's labels as valid.
	fn := provider.Function{Ref: provider.Ref{Name: "resize", Namespace: "openfaas-fn"}, Labels: map[string]string{
		"com.openfaas.scale.type":   "memory",
		"com.openfaas.scale.target": "536870912",
	}}
	if _, err := scaler.ParseSpec(fn, scaler.DefaultDefaults()); err != nil {
		t.Fatalf("the controller refuses the labels: %v", err)
	}

	load := strconv.FormatFloat(2147483648, 'g', -1, 64) // how $value prints: "2.147483648e+09"
	if got := fmt.Sprint(float64(2147483648)); got != load {
		t.Fatalf("render %q vs %q", got, load)
	}
	alert := fmt.Sprintf(`{"status":"firing","labels":{"alertname":"FunctionLoadAboveTarget","direction":"up","service":"faas-autoscaler","function_name":"resize.openfaas-fn","scaling_type":"memory"},"annotations":{"load":%q},"startsAt":"2026-11-26T14:55:36.60864713Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"a1b2c3d4e5f60718"}`, load)

	sink := &recordingSink{}
	h := newTestHandler(t, testConfig(sink, prometheus.NewRegistry()))
	w := post(h, payload(alert))
	if w.Code != http.StatusOK || len(sink.got()) != 1 {
		t.Errorf("generated alert with load %s for a valid custom type: status %d, %d signal(s) handed on; want 200 and 1\nbody: %s",
			load, w.Code, len(sink.got()), w.Body.String())
	}
}

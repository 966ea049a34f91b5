package provider_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

const (
	callsMetric    = "faas_autoscaler_provider_calls_total"
	durationMetric = "faas_autoscaler_provider_call_duration_seconds"
)

// gathered returns the families of reg by name.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func TestInstrumentCountsResults(t *testing.T) {
	ref := provider.Ref{Name: "f", Namespace: "ns"}
	tests := []struct {
		name       string
		err        error
		wantResult string
	}{
		{name: "success", err: nil, wantResult: "ok"},
		{name: "not found", err: fmt.Errorf("f.ns: %w", provider.ErrNotFound), wantResult: "not_found"},
		{name: "refused", err: &provider.RefusedError{Ref: ref, Message: "no zero"}, wantResult: "refused"},
		{name: "unauthorized", err: fmt.Errorf("HTTP 401: %w", provider.ErrUnauthorized), wantResult: "unauthorized"},
		{name: "other", err: errors.New("connection refused"), wantResult: "error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			p := provider.Instrument(&stubProvider{err: tc.err, namespaces: []string{"ns"}}, reg)

			for range 2 {
				if err := p.Scale(t.Context(), ref, 3); err != tc.err {
					t.Fatalf("Scale returned %v, want the inner error %v unchanged", err, tc.err)
				}
			}
			if _, err := p.Function(t.Context(), ref); err != tc.err {
				t.Fatalf("Function returned %v, want %v", err, tc.err)
			}
			if _, err := p.Namespaces(t.Context()); err != nil {
				t.Fatal(err)
			}

			want := map[[2]string]float64{{"scale", tc.wantResult}: 2, {"function", tc.wantResult}: 1, {"namespaces", "ok"}: 1}
			mf := gathered(t, reg)[callsMetric]
			if got := len(mf.GetMetric()); got != 24 {
				t.Errorf("%d call series, want 4 operations × 6 results = 24, all present from the start", got)
			}
			for _, m := range mf.GetMetric() {
				l := labels(m)
				key := [2]string{l["operation"], l["result"]}
				if got := m.GetCounter().GetValue(); got != want[key] {
					t.Errorf("%s%v = %v, want %v", callsMetric, key, got, want[key])
				}
			}
		})
	}
}

func TestInstrumentTimesCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		p := provider.Instrument(&stubProvider{delay: 1500 * time.Millisecond}, reg)
		ref := provider.Ref{Name: "f", Namespace: "ns"}
		_ = p.Scale(t.Context(), ref, 1)
		_ = p.Scale(t.Context(), ref, 2)
		_, _ = p.Functions(t.Context(), "ns")

		want := map[string][2]float64{ // count, sum of seconds (virtual time, exact)
			"scale": {2, 3}, "functions": {1, 1.5}, "function": {0, 0}, "namespaces": {0, 0},
		}
		for _, m := range gathered(t, reg)[durationMetric].GetMetric() {
			op := labels(m)["operation"]
			h := m.GetHistogram()
			if got := [2]float64{float64(h.GetSampleCount()), h.GetSampleSum()}; got != want[op] {
				t.Errorf("%s{operation=%q} (count, sum) = %v, want %v", durationMetric, op, got, want[op])
			}
		}
	})
}

func TestInstrumentCountsCancelledCallsAsErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	p := provider.Instrument(&stubProvider{delay: time.Hour}, reg)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := p.Scale(ctx, provider.Ref{Name: "f", Namespace: "ns"}, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	got := 0.0
	for _, m := range gathered(t, reg)[callsMetric].GetMetric() {
		if l := labels(m); l["operation"] == "scale" && l["result"] == "error" {
			got = m.GetCounter().GetValue()
		}
	}
	if got != 1 {
		t.Errorf("scale/error = %v, want 1", got)
	}
}

func TestInstrumentTwiceSharesCollectors(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := provider.Instrument(&stubProvider{}, reg)
	b := provider.Instrument(&stubProvider{}, reg) // must not panic
	_ = a.Scale(t.Context(), provider.Ref{Name: "f", Namespace: "ns"}, 1)
	_ = b.Scale(t.Context(), provider.Ref{Name: "f", Namespace: "ns"}, 1)
	for _, m := range gathered(t, reg)[callsMetric].GetMetric() {
		if l := labels(m); l["operation"] == "scale" && l["result"] == "ok" && m.GetCounter().GetValue() != 2 {
			t.Errorf("scale/ok = %v, want 2 (both decorators count on the same series)", m.GetCounter().GetValue())
		}
	}
}

func TestInstrumentWithoutRegistry(t *testing.T) {
	p := provider.Instrument(&stubProvider{}, nil)
	if err := p.Scale(t.Context(), provider.Ref{Name: "f", Namespace: "ns"}, 1); err != nil {
		t.Fatal(err)
	}
}

func TestInstrumentMetricsLint(t *testing.T) {
	reg := prometheus.NewRegistry()
	_ = provider.Instrument(&stubProvider{}, reg)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
	n, err := testutil.GatherAndCount(reg, callsMetric)
	if err != nil || n != 24 {
		t.Errorf("GatherAndCount = %d, %v; want 24", n, err)
	}
}

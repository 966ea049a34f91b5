package alerts_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// scaleTap tells the benchmark when the actuator's write arrives. It hides
// the memory provider's conditional write, so the actuator reads and then
// calls Scale, as it does on the OpenFaaS API.
type scaleTap struct {
	provider.Provider
	scaled chan provider.Ref
}

func (s scaleTap) Scale(ctx context.Context, ref provider.Ref, n uint64) error {
	err := s.Provider.Scale(ctx, ref, n)
	if err == nil {
		s.scaled <- ref
	}
	return err
}

// BenchmarkWebhookToScale measures the whole reaction inside the controller:
// from the webhook receiving a firing alert to the real reconcile loop's
// Scale call on the memory provider (decode, auth, Notify, wake, read the
// function, query the source, Decide, Scale). It reports p50 and p99.
func BenchmarkWebhookToScale(b *testing.B) { benchWebhookToScale(b, false) }

// BenchmarkWebhookToScaleOneHung is the same while one other function's
// provider calls hang (held in the provider for the whole run, as a gateway
// that never answers): healthy functions must not wait behind it.
func BenchmarkWebhookToScaleOneHung(b *testing.B) { benchWebhookToScale(b, true) }

func benchWebhookToScale(b *testing.B, hung bool) {
	const n = 200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mem := memory.New(clock.Real(), memory.Options{})
	src := scalertest.NewSource()
	refs := make([]provider.Ref, n)
	for i := range refs {
		refs[i] = provider.Ref{Name: fmt.Sprintf("fn-%d", i), Namespace: "openfaas-fn"}
		if err := mem.Deploy(provider.Function{Ref: refs[i], Replicas: 1}); err != nil {
			b.Fatal(err)
		}
		src.Set("rps", refs[i], 0)
	}
	stuck := provider.Ref{Name: "stuck", Namespace: "openfaas-fn"}
	if err := mem.Deploy(provider.Function{Ref: stuck, Replicas: 1}); err != nil {
		b.Fatal(err)
	}
	tap := scaleTap{Provider: mem, scaled: make(chan provider.Ref, 1)}
	ac := actuator.Default()
	ac.Provider, ac.CallTimeout = tap, time.Hour
	act, err := actuator.New(ac)
	if err != nil {
		b.Fatal(err)
	}
	loop, err := scaler.NewLoop(scaler.LoopConfig{Provider: tap, Source: src, Actuator: act, Interval: time.Hour, Defaults: scaler.DefaultDefaults()})
	if err != nil {
		b.Fatal(err)
	}
	act.Start(ctx) // before the loop: its proposals go to the pool
	go func() { _ = loop.Run(ctx) }()
	for len(loop.Refs()) < n { // the first pass lists the functions
		time.Sleep(time.Millisecond)
	}
	h, err := alerts.NewHandler(alerts.Config{Sink: loop, Auth: alerts.AuthNone})
	if err != nil {
		b.Fatal(err)
	}
	if hung {
		release := mem.Block(stuck)
		defer release()
		body := `{"version":"4","status":"firing","receiver":"faas-autoscaler","alerts":[{"status":"firing",` +
			`"labels":{"alertname":"FunctionLoadAboveTarget","function_name":"stuck.openfaas-fn","scaling_type":"rps"},` +
			`"annotations":{"load":"500"},"startsAt":"2026-11-26T15:00:00Z","fingerprint":"stuck"}]}`
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, alerts.Path, strings.NewReader(body)))
		if err := mem.WaitHeld(ctx, stuck, 1); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		ref := refs[i%n]
		body := fmt.Appendf(nil, `{"version":"4","status":"firing","receiver":"faas-autoscaler","alerts":[{"status":"firing",`+
			`"labels":{"alertname":"FunctionLoadAboveTarget","function_name":"%s","scaling_type":"rps"},`+
			`"annotations":{"load":"500"},"startsAt":"2026-11-26T15:00:00Z","fingerprint":"%016x"}]}`, ref, i)
		req := httptest.NewRequest(http.MethodPost, alerts.Path, bytes.NewReader(body))
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("webhook answered %d: %s", w.Code, w.Body)
		}
		if got := <-tap.scaled; got != ref {
			b.Fatalf("scaled %s, want %s", got, ref)
		}
		lat = append(lat, time.Since(start))
		b.StopTimer()
		if err := mem.Scale(ctx, ref, 1); err != nil { // back to 1 for the next round
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

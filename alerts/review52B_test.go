package alerts_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// review52BEnv is the webhook over the real reconcile loop, the memory
// provider and the one writer of replicas, as the controller wires them,
// on synctest's virtual clock (clock.Real inside the bubble).
type review52BEnv struct {
	h    http.Handler
	loop *scaler.Loop
	mem  *memory.Provider
}

func newReview52BEnv(t *testing.T, fns ...provider.Function) *review52BEnv {
	t.Helper()
	mem := memory.New(clock.Real(), memory.Options{})
	src := scalertest.NewSource()
	for _, fn := range fns {
		if err := mem.Deploy(fn); err != nil {
			t.Fatal(err)
		}
	}
	ac := actuator.Default()
	ac.Provider = mem
	act, err := actuator.New(ac) // not started: it applies each proposal in the proposer's goroutine
	if err != nil {
		t.Fatal(err)
	}
	loop, err := scaler.NewLoop(scaler.LoopConfig{Provider: mem, Source: src, Actuator: act, Interval: time.Hour, Defaults: scaler.DefaultDefaults()})
	if err != nil {
		t.Fatal(err)
	}
	if err := loop.Tick(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	h, err := alerts.NewHandler(alerts.Config{Sink: loop, Auth: alerts.AuthNone})
	if err != nil {
		t.Fatal(err)
	}
	return &review52BEnv{h: h, loop: loop, mem: mem}
}

func (e *review52BEnv) post(t *testing.T, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, alerts.Path, bytes.NewReader([]byte(body))))
	return w
}

// pending runs the loop's reaction to the webhook's wake-up.
func (e *review52BEnv) pending(t *testing.T) {
	t.Helper()
	if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
}

func (e *review52BEnv) replicas(t *testing.T, ref provider.Ref) uint64 {
	t.Helper()
	fn, err := e.mem.Function(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return fn.Replicas
}

func review52BStepFn(name string, replicas uint64) provider.Function {
	return provider.Function{
		Ref:      provider.Ref{Name: name, Namespace: "openfaas-fn"},
		Replicas: replicas, AvailableReplicas: replicas,
		Labels: map[string]string{scaler.LabelType: scaler.TypeStep, scaler.LabelMax: "10", scaler.LabelFactor: "10",
			scaler.LabelMin: "1", scaler.LabelDownWindow: "2m"}, // step 1
	}
}

// review52BGrafana is a Grafana webhook contact point's body (version "1")
// with one alert of OpenFaaS CE's rule, APIHighInvocationRate (no
// scaling_type: CE's alert alone drives step mode), as a Grafana-managed
// rule (imported from CE's Prometheus rule, or written alike).
func review52BGrafana(status, fn, fingerprint, annotations string) string {
	return fmt.Sprintf(`{"receiver":"faas-autoscaler","status":%[1]q,"orgId":1,"alerts":[{"status":%[1]q,`+
		`"labels":{"alertname":"APIHighInvocationRate","function_name":%[2]q,"grafana_folder":"OpenFaaS","service":"gateway","severity":"major"},`+
		`"annotations":{%[4]s},"startsAt":"2026-11-26T14:55:30Z","endsAt":"0001-01-01T00:00:00Z",`+
		`"generatorURL":"http://grafana:3000/alerting/grafana/r1/view","fingerprint":%[3]q}],`+
		`"groupLabels":{"alertname":"APIHighInvocationRate"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://grafana:3000/",`+
		`"version":"1","groupKey":"{}:{alertname=\"APIHighInvocationRate\"}","truncatedAlerts":0,"title":"t","state":"alerting","message":"m"}`,
		status, fn, fingerprint, annotations)
}

// A step-mode function follows its alert: stepped up while it fires, down
// over its down window once it resolves. Grafana resolves an alert
// instance whose series left the query's result with
// grafana_state_reason "MissingSeries" (a rule with its threshold in the
// query, `… > 5` as CE's, resolves so every time the load falls; a
// gateway restart drops an idle function's series). The webhook ignores
// that resolution (README: "the periodic evaluation decides from the
// metrics source"), but a step-mode function's periodic evaluation never
// reads the metrics source: only a resolution starts its way down
// (State.StepFoundAt only after a start or a new term; the "resolution
// taken as lost" expiry only for the generated scaling_type="step"
// alert), Grafana sends a resolution once, and the function kept its
// stepped-up count for good: 3 replicas an hour after its only alert
// stopped firing, where the same alert resolved plainly took it to 1.
func TestReview52BStepFunctionComesDownAfterGrafanaMissingSeriesResolution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		missing, plain := review52BStepFn("missing", 2), review52BStepFn("plain", 2)
		e := newReview52BEnv(t, missing, plain)
		for _, fn := range []provider.Function{missing, plain} {
			if w := e.post(t, review52BGrafana("firing", fn.Ref.String(), "fp-"+fn.Name, "")); w.Code != http.StatusOK {
				t.Fatalf("firing for %s: %d %s", fn.Ref, w.Code, w.Body)
			}
			e.pending(t)
			if got := e.replicas(t, fn.Ref); got != 3 {
				t.Fatalf("setup: %s after its step alert fired: %d replicas, want 3", fn.Ref, got)
			}
		}
		time.Sleep(20 * time.Second)
		if w := e.post(t, review52BGrafana("resolved", missing.Ref.String(), "fp-missing", `"grafana_state_reason":"MissingSeries"`)); w.Code != http.StatusOK {
			t.Fatalf("MissingSeries resolution: %d %s", w.Code, w.Body)
		}
		if w := e.post(t, review52BGrafana("resolved", plain.Ref.String(), "fp-plain", "")); w.Code != http.StatusOK {
			t.Fatalf("plain resolution: %d %s", w.Code, w.Body)
		}
		e.pending(t)
		for range 12 { // an hour of passes, far past the 2m down window
			time.Sleep(5 * time.Minute)
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
		}
		if got := e.replicas(t, plain.Ref); got != 1 {
			t.Fatalf("control: after a plain resolution and an hour: %d replicas, want the floor 1", got)
		}
		if got := e.replicas(t, missing.Ref); got != 1 {
			t.Errorf("step function whose Grafana alert resolved with grafana_state_reason MissingSeries: %d replicas an hour later, want the floor 1 (no alert fires; nothing will ever take it down)", got)
		}
	})
}
